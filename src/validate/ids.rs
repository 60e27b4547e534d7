//! The rule IDs the validator reports, one constant per check, so that the
//! mapping from check to specification rule lives in one place, and the
//! severity of each (from the rule's level in [`crate::rules::RULES`]).

// environ (checked before the application is called; the server's duty)
pub(crate) const ENV_METHOD: &str = "ENV-003";
pub(crate) const ENV_SCRIPT_NAME: &str = "ENV-004";
pub(crate) const ENV_PATH_INFO: &str = "ENV-005";
pub(crate) const ENV_QUERY_STRING: &str = "ENV-007";
pub(crate) const ENV_CONTENT_LENGTH: &str = "ENV-009";
pub(crate) const ENV_NO_HTTP_CONTENT: &str = "ENV-010";
pub(crate) const ENV_SERVER_NAME: &str = "ENV-011";
pub(crate) const ENV_SERVER_PORT: &str = "ENV-012";
pub(crate) const ENV_PROTOCOL: &str = "ENV-013";
pub(crate) const ENV_REQUEST_URI: &str = "ENV-014";
pub(crate) const ENV_URL_SCHEME: &str = "ENV-016";
pub(crate) const ENV_TERMINATED: &str = "ENV-021";
pub(crate) const ENV_REMOTE_ADDR: &str = "ENV-024";
pub(crate) const ENV_REMOTE_PORT: &str = "ENV-025";
pub(crate) const ENV_GATEWAY: &str = "ENV-026";
pub(crate) const ENV_SOFTWARE: &str = "ENV-027";
pub(crate) const ENV_NOT_EMPTY: &str = "ENV-028";
pub(crate) const ENV_TRIMMED: &str = "ENV-032";
pub(crate) const ENV_KEYS: &str = "ENV-034";

// start_response
pub(crate) const START_MISSING: &str = "START-002";
pub(crate) const START_STATUS: &str = "START-003";
// the upgrade capability (spec section 12)
pub(crate) const UPG_SWITCH: &str = "UPG-003";
pub(crate) const UPG_PROTOCOL: &str = "UPG-004";
pub(crate) const START_REASON_ASCII: &str = "START-004";
pub(crate) const START_TWICE: &str = "START-005";
pub(crate) const START_REFUSAL: &str = "START-006";
pub(crate) const START_AFTER_SENT: &str = "START-007";
pub(crate) const START_STORES: &str = "START-008";
pub(crate) const START_ERROR_USE: &str = "START-013";
pub(crate) const WRITE_BEFORE_START: &str = "START-009";
pub(crate) const START_ERROR_FAILED: &str = "START-014";
pub(crate) const WRITE_FAILED: &str = "START-015";
pub(crate) const WRITE_FAILED_OK: &str = "START-016";
pub(crate) const HEADERS_SENT: &str = "START-017";

// response headers
pub(crate) const HDR_NAME: &str = "HDR-001";
pub(crate) const HDR_VALUE: &str = "HDR-002";
pub(crate) const HDR_HOP_BY_HOP: &str = "HDR-003";
pub(crate) const HDR_STATUS: &str = "HDR-005";
pub(crate) const HDR_CONTENT_LENGTH: &str = "HDR-006";
pub(crate) const HDR_BODILESS: &str = "HDR-008";
pub(crate) const HDR_304_TYPE: &str = "HDR-009";
pub(crate) const HDR_CONTENT_TYPE: &str = "HDR-010";
pub(crate) const HDR_VALUE_SPACE: &str = "HDR-011";
pub(crate) const HDR_VALUE_ASCII: &str = "HDR-012";
pub(crate) const HDR_SINGLE: &str = "HDR-013";
pub(crate) const HDR_LOCATION: &str = "HDR-014";
pub(crate) const HDR_REDIRECT: &str = "HDR-015";
pub(crate) const HDR_ETAG: &str = "HDR-016";
pub(crate) const HDR_AUTH_ALLOW: &str = "HDR-017";
pub(crate) const HDR_COOKIES: &str = "HDR-018";
pub(crate) const HDR_CHARSET: &str = "HDR-019";

// body
pub(crate) const BODY_LENGTH: &str = "BODY-003";
pub(crate) const BODY_EMPTY: &str = "BODY-007";
pub(crate) const BODY_CLOSE: &str = "BODY-008";
pub(crate) const BODY_PULL_AFTER_END: &str = "BODY-016";

// input stream
pub(crate) const INPUT_BOUNDED: &str = "INPUT-001";
pub(crate) const INPUT_TRUNCATED: &str = "INPUT-003";
pub(crate) const INPUT_AFTER_FINISH: &str = "INPUT-007";

// error stream
pub(crate) const ERRS_TEXT: &str = "ERRS-002";

// middleware
pub(crate) const MW_RULES: &str = "MW-001";
pub(crate) const MW_NEW_ENVIRON: &str = "MW-002";
pub(crate) const MW_CAPS: &str = "MW-003";
pub(crate) const MW_INPUT: &str = "MW-004";
pub(crate) const MW_PATH: &str = "MW-005";
pub(crate) const MW_RETURN: &str = "MW-006";
pub(crate) const MW_PULL: &str = "MW-007";
pub(crate) const MW_CLOSE: &str = "MW-008";
pub(crate) const MW_LENGTH: &str = "MW-009";
pub(crate) const MW_START: &str = "MW-012";
pub(crate) const MW_WRITE: &str = "MW-013";
pub(crate) const MW_FAILURE: &str = "MW-015";

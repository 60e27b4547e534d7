//! The rule IDs the validator reports, one constant per check, so that the
//! mapping from check to specification rule lives in one place.

// environ (checked before the application is called; the server's duty)
pub(crate) const ENV_REQUIRED: &str = "ENV-001";
pub(crate) const ENV_METHOD: &str = "ENV-002";
pub(crate) const ENV_SCRIPT_NAME: &str = "ENV-003";
pub(crate) const ENV_PATH_INFO: &str = "ENV-004";
pub(crate) const ENV_QUERY_STRING: &str = "ENV-005";
pub(crate) const ENV_CONTENT_LENGTH: &str = "ENV-006";
pub(crate) const ENV_SERVER_NAME: &str = "ENV-007";
pub(crate) const ENV_SERVER_PORT: &str = "ENV-008";
pub(crate) const ENV_PROTOCOL: &str = "ENV-009";
pub(crate) const ENV_NO_HTTP_CONTENT: &str = "ENV-010";
pub(crate) const ENV_URL_SCHEME: &str = "ENV-011";

// input stream
pub(crate) const INPUT_BOUNDED: &str = "INPUT-001";
pub(crate) const INPUT_EOF: &str = "INPUT-002";
pub(crate) const INPUT_AFTER_FINISH: &str = "INPUT-003";

// start_response
pub(crate) const START_STATUS: &str = "START-003";
pub(crate) const START_TWICE: &str = "START-005";
pub(crate) const START_AFTER_SENT: &str = "START-007";
pub(crate) const START_MISSING: &str = "START-001";
pub(crate) const WRITE_BEFORE_START: &str = "START-009";

// response headers
pub(crate) const HDR_NAME: &str = "HDR-001";
pub(crate) const HDR_VALUE: &str = "HDR-002";
pub(crate) const HDR_HOP_BY_HOP: &str = "HDR-003";
pub(crate) const HDR_STATUS: &str = "HDR-005";
pub(crate) const HDR_CONTENT_LENGTH: &str = "HDR-006";
pub(crate) const HDR_CONTENT_TYPE: &str = "HDR-007";
pub(crate) const HDR_BODILESS_TYPE: &str = "HDR-008";

// body
pub(crate) const BODY_LENGTH: &str = "BODY-004";
pub(crate) const BODY_BODILESS: &str = "BODY-006";
pub(crate) const BODY_HEAD: &str = "BODY-007";
pub(crate) const BODY_CLOSE: &str = "BODY-008";

// middleware
pub(crate) const MW_CAPS: &str = "MW-001";
pub(crate) const MW_DRAIN: &str = "MW-002";
pub(crate) const MW_CLOSE: &str = "MW-003";

// HTTP hygiene (advice)
pub(crate) const HTTP_LOCATION: &str = "HTTP-001";
pub(crate) const HTTP_ETAG: &str = "HTTP-002";

//! `validate`: middleware that checks both sides of the contract at run time.

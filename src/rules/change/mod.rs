//! Change-aware rules: each traffic split compared with the same split at the base
//! revision (`--base`). Without a baseline they report nothing.

pub mod weight_jump;
pub mod weight_rollback_incomplete;

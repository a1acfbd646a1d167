//! placeholder
pub mod policy;

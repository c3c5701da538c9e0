//! Test support: a random model generator, a brute-force oracle of the semantics and a
//! witness checker, none of which shares code with the verifier's encodings.

pub mod checker;
pub mod gen;
pub mod oracle;

//! Checks interface security properties of an `ensure` model with the Z3 SMT solver.

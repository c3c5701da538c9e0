//! Monte Carlo simulation of cyber, physical and cascading attacks over an `ensure` model.

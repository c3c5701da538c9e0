"""A FAIR-style loss scenario for pyfair, and the same scenario as an ensure model.

pyfair (0.1a13) draws n rows at once with numpy/scipy: Threat Event Frequency (events per
year) and Vulnerability (probability that an event becomes a loss event) as given, Loss
Magnitude from a Beta-PERT (gamma 4), and computes per row Loss Event Frequency = TEF x V and
Risk = LEF x LM: the expected annual loss *given* that row's inputs, one loss magnitude
multiplied by a fractional event count. ensure samples the events themselves: a Poisson number
of campaigns (mean TEF per year), each a loss event with probability V, each loss event with its
own PERT draw. The means agree (TEF x V x E[LM]); the spreads differ by design.
"""

import time

TEF = 2.0
VULNERABILITY = 0.3
LOSS = (10_000.0, 50_000.0, 500_000.0)


def exact_mean_loss():
    low, mode, high = LOSS
    return TEF * VULNERABILITY * (low + 4 * mode + high) / 6


def run_pyfair(n_rows, seed=42):
    """One pyfair model of n_rows; returns the Risk column and the seconds it took (model
    creation, inputs, which draw the random numbers, and calculation)."""
    from pyfair import FairModel

    t0 = time.perf_counter()
    m = FairModel(name="shop", n_simulations=n_rows, random_seed=seed)
    m.input_data("Threat Event Frequency", constant=TEF)
    m.input_data("Vulnerability", constant=VULNERABILITY)
    low, mode, high = LOSS
    m.input_data("Loss Magnitude", low=low, mode=mode, high=high)
    m.calculate_all()
    risk = m.export_results()["Risk"].to_numpy()
    return risk, time.perf_counter() - t0


def ensure_model():
    """The scenario in ensure's format: an actor with TEF campaigns a year whose one step
    succeeds with probability V and costs a PERT loss."""
    low, mode, high = LOSS
    return {
        "ensure": 1,
        "name": "fair-scenario",
        "horizon_hours": 8760,
        "types": [
            {
                "id": "fair-asset",
                "layer": "cyber",
                "steps": [
                    {
                        "name": "loss-event",
                        "ttc_hours": {"constant": 0},
                        "p_success": VULNERABILITY,
                    }
                ],
            }
        ],
        "assets": [{"id": "asset", "type": "fair-asset"}],
        "actors": [{"id": "threat", "entry": ["asset.loss-event"], "frequency_per_year": TEF}],
        "impacts": [
            {
                "id": "loss",
                "kind": "other",
                "on_step": "asset.loss-event",
                "loss_eur": {"pert": {"min": low, "mode": mode, "max": high}},
            }
        ],
    }

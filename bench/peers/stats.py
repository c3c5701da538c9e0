"""Small statistics shared by the peer comparisons: intervals and agreement tests.

Every comparison between two Monte Carlo estimates is a two-sample test at the stated level;
an estimate compared with an exact value uses the estimate's own interval.
"""

import math

Z95 = 1.959963984540054


def wilson(k, n):
    """95 % Wilson score interval of k successes in n trials."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    z2 = Z95 * Z95
    den = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / den
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / den
    return (max(0.0, centre - half), min(1.0, centre + half))


def two_proportion_z(k1, n1, k2, n2):
    """z statistic of the difference between two binomial proportions (pooled)."""
    p = (k1 + k2) / (n1 + n2)
    if p in (0.0, 1.0):
        return 0.0
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return (k1 / n1 - k2 / n2) / se


def mean_ci(xs):
    """Mean of xs and its 95 % normal-approximation half width."""
    n = len(xs)
    m = sum(xs) / n
    if n < 2:
        return m, float("inf")
    var = sum((x - m) ** 2 for x in xs) / (n - 1)
    return m, Z95 * math.sqrt(var / n)


def quantile(xs, q):
    """The q-quantile as the order statistic of rank ceil(q n) (what ensure reports)."""
    s = sorted(xs)
    r = min(len(s), max(1, math.ceil(q * len(s))))
    return s[r - 1]


def quantile_rank_ci(xs, q):
    """95 % interval of the q-quantile from order statistics (distribution-free)."""
    s = sorted(xs)
    n = len(s)
    sd = math.sqrt(n * q * (1 - q))
    lo = min(n, max(1, math.floor(n * q - Z95 * sd)))
    hi = min(n, max(1, math.ceil(n * q + Z95 * sd) + 1))
    return s[lo - 1], s[hi - 1]


def agreement(zs):
    """Summary of per-item two-sample z statistics. Items that both samples always (or never)
    saw have z = 0 and count as exact matches. The rest should look like standard normal draws
    (they are correlated when items are, which widens the spread of their sum): agreement is a
    sum of squares within the 99.9 % point of the chi-square with as many degrees of freedom."""
    from scipy.stats import chi2

    live = [z for z in zs if z != 0.0]
    k = len(live)
    ss = sum(z * z for z in live)
    limit = chi2.ppf(0.999, k) if k else 0.0
    return {
        "n": len(zs), "n_exact": len(zs) - k,
        "max_abs_z": max((abs(z) for z in live), default=0.0),
        "mean_z2": ss / k if k else 0.0,
        "frac_beyond_1_96": sum(abs(z) > 1.96 for z in live) / k if k else 0.0,
        "chi2": ss, "chi2_limit": limit, "agree": ss <= limit,
    }

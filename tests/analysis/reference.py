#!/usr/bin/python3
# Tessera — independent reference for src/analysis, run by tests/unit/test_analysis.cpp.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Reads the test's input (JSON) and computes, without any of Tessera's code:
#  - the space-time cube and Getis-Ord Gi* with the published formula (Getis & Ord 1995) and a
#    dense weight matrix built from PySAL's distance-band weights (libpysal) and the time lag;
#  - the Benjamini-Hochberg threshold;
#  - Mann-Kendall as Kendall's tau against the step index (scipy.stats.kendalltau);
#  - the Knox table's observed pairs (scipy.spatial.distance.pdist) and exact expectation;
#  - Poisson and negative binomial intervals and tails (scipy.stats).
# Writes the results as JSON for the test to compare with Tessera's to 1e-9.
import json
import sys
import warnings

warnings.filterwarnings("ignore")

import numpy as np
from scipy import stats
from scipy.spatial.distance import pdist
import libpysal


def cube(data):
    ev = np.array(data["events"], dtype=float).reshape(-1, 3)
    size, step, steps, end = data["cellSize"], data["stepSeconds"], data["steps"], data["end"]
    start = end - step * steps
    ev = ev[(ev[:, 2] >= start) & (ev[:, 2] < end)]
    col = np.floor(ev[:, 0] / size).astype(int)
    row = np.floor(ev[:, 1] / size).astype(int)
    stp = np.clip(np.floor((ev[:, 2] - start) / step).astype(int), 0, steps - 1)
    cells = sorted(set(zip(col.tolist(), row.tolist())))
    index = {c: k for k, c in enumerate(cells)}
    counts = np.zeros((len(cells), steps))
    for c, r, s in zip(col, row, stp):
        counts[index[(c, r)], s] += 1
    return cells, counts


def gi_star(data, cells, counts):
    size, steps, lag = data["cellSize"], data["steps"], data["timeLag"]
    distance = data["neighbourDistance"]
    centres = np.array([[(c + 0.5) * size, (r + 0.5) * size] for c, r in cells])
    space = libpysal.weights.DistanceBand(centres, threshold=distance * (1 + 1e-12), binary=True,
                                          silence_warnings=True)
    a = space.full()[0] + np.eye(len(cells))
    t = np.arange(steps)
    b = (np.abs(t[:, None] - t[None, :]) <= lag).astype(float)
    w = np.kron(a, b)  # bins ordered location by location, steps within
    x = counts.reshape(-1)
    n = x.size
    mean = x.mean()
    s = np.sqrt((x ** 2).mean() - mean ** 2)
    wi = w.sum(axis=1)
    wi2 = (w ** 2).sum(axis=1)
    z = (w @ x - mean * wi) / (s * np.sqrt((n * wi2 - wi ** 2) / (n - 1)))
    return z.reshape(len(cells), steps)


def bh_threshold(p, q):
    p = np.sort(np.asarray(p))
    m = p.size
    ok = np.nonzero(p <= q * np.arange(1, m + 1) / m)[0]
    return float(p[ok[-1]]) if ok.size else 0.0


def knox(data):
    k = data["knox"]
    ev = np.array(k["events"], dtype=float).reshape(-1, 3)
    n = len(ev)
    d = pdist(ev[:, :2])
    t = pdist(ev[:, 2:3] / 86400.0)
    dist_edges, day_edges = k["distances"], k["days"]
    cells = []
    for i in range(len(dist_edges) - 1):
        in_d = (d >= dist_edges[i]) & (d < dist_edges[i + 1])
        for j in range(len(day_edges) - 1):
            in_t = (t >= day_edges[j]) & (t < day_edges[j + 1])
            cells.append({"observed": int(np.sum(in_d & in_t)),
                          "expected": float(np.sum(in_d)) * float(np.sum(in_t)) / (n * (n - 1) / 2)})
    return cells


def baseline(series):
    out = []
    for s in series:
        base = np.array(s["baseline"], dtype=float)
        mean = (base.sum() + 0.5) / len(base)
        var = base.var(ddof=1) if len(base) >= 3 else 0.0
        c = s["current"]
        if var > mean:
            r, p = mean * mean / (var - mean), mean / var
            dist = stats.nbinom(r, p)
        else:
            dist = stats.poisson(mean)
        low, high = dist.interval(0.95)
        out.append({"nb": bool(var > mean), "low": int(low), "high": int(high),
                    "sf": float(dist.sf(c - 1)), "cdf": float(dist.cdf(c))})
    return out


def main():
    data = json.load(open(sys.argv[1]))
    cells, counts = cube(data)
    z = gi_star(data, cells, counts)
    p = 2 * stats.norm.sf(np.abs(z))
    trends = []
    steps = np.arange(data["steps"])
    for series in z:
        tau = stats.kendalltau(steps, series, method="asymptotic")
        # Kendall's tau-b's statistic over the same pairs: S = tau * sqrt(n0 - n1) * sqrt(n0 - n2)
        trends.append({"p": float(tau.pvalue), "tau": float(tau.correlation)})
    out = {
        "cells": [list(c) for c in cells],
        "counts": counts.tolist(),
        "z": z.tolist(),
        "threshold": bh_threshold(p.reshape(-1), data["falseDiscovery"]),
        "trends": trends,
        "knox": knox(data),
        "baseline": baseline(data["series"]),
    }
    json.dump(out, open(sys.argv[2], "w"))


main()

"""Write a deterministic SYNTHETIC population of Ningbo household-service workers as CSV.

    python examples/population.py [--out workers.csv] [--count 59216] [--seed 1] [--as-of 2026-12-01]

The same as ``anxinma population``.  59,216 is the number of Ningbo workers on
the national household-service credit platform in February 2021
(shared/data/README.md).  The enterprises are the real ones of that ranking
(examples/enterprises.tsv) with SYNTHETIC USCCs; the people are made up: names
(some with the middle dot of Uyghur names), valid but made-up ID numbers, card
numbers SYNB00000001..., dates spread around ``--as-of`` so that some health
exams and insurances have lapsed, and about 1 % of rows spoiled on purpose (a
bad check character, an unknown service, the same person twice...), which
``anxinma batch`` reports in its errors file.  Then, for instance:

    anxinma status new --db issuer.db
    anxinma batch workers.csv --key issuer.key.pem --db issuer.db --out cards --cards
    anxinma report ranking --db issuer.db --top 20
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from pathlib import Path

from anxinma.batch import POPULATION_COLUMNS, synthetic_population

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("workers.csv"))
    parser.add_argument("--count", type=int, default=59_216)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 12, 1))
    args = parser.parse_args()
    tsv = (HERE / "enterprises.tsv").read_text(encoding="utf-8")
    rows = synthetic_population(tsv, count=args.count, seed=args.seed, as_of=args.as_of)
    with args.out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=POPULATION_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {args.count:,} SYNTHETIC worker rows (seed {args.seed}, as of {args.as_of}) to {args.out}")


if __name__ == "__main__":
    main()

"""The client's corrections on Spark: the same outcome as on DuckDB (test_corrections.py), from
one Spark build whose previous build (customer ids to keep) was made on DuckDB before the
corrections. One JVM start: both kinds of correction and the stale one in the same build."""

from __future__ import annotations

import pytest

from support import corrections as case
from support.repo import need

pytestmark = pytest.mark.slow


def test_corrections_on_spark_split_join_warn_and_leave_everyone_else_alone(scv, repo, tmp_path):
    need("java")
    inbox = case.write(tmp_path / "inbox")
    assert (first := scv("build", "demo", "--inbox", inbox)).code == 0, first.out + first.err
    [before] = sorted((tmp_path / "home" / "builds" / "demo").glob("2*"))
    was = case.assert_uncorrected(before)
    (repo / "clients" / "demo" / "corrections.yml").write_text(case.CORRECTIONS_YML)

    spark = scv("build", "demo", "--inbox", inbox, "--engine", "spark")

    assert spark.code == 0, spark.out + spark.err
    after = sorted((tmp_path / "home" / "builds" / "demo").glob("2*"))[-1]
    case.assert_corrected(was, after)

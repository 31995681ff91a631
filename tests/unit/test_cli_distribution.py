"""Where the users run: in-process headless, a worker process under the dashboard, unless told."""

import argparse

import pytest

from loadtui.cli import BadInput, build_parser, distribution_for
from loadtui.engine.profiles import Profile


def args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def test_unset_workers_mean_in_process_headless_and_one_worker_under_the_dashboard() -> None:
    profile = Profile(name="p")
    assert distribution_for(profile, args("--headless")) is None
    dist = distribution_for(profile, args(), dashboard=True)
    assert dist is not None and dist.local_workers == 1 and dist.bind_host == "127.0.0.1"


def test_explicit_workers_win_everywhere() -> None:
    assert distribution_for(Profile(name="p", workers=0), args(), dashboard=True) is None
    dist = distribution_for(Profile(name="p", workers=3), args("--headless"))
    assert dist is not None and dist.local_workers == 3


def test_master_needs_a_worker_count() -> None:
    with pytest.raises(BadInput, match="--expect-workers"):
        distribution_for(Profile(name="p"), args("--master"))
    dist = distribution_for(Profile(name="p"), args("--master", "--expect-workers", "2"))
    assert dist is not None and dist.workers_needed == 2 and dist.bind_port == 5557 and dist.bind_host == "*"
    with pytest.raises(BadInput, match="goes with --master"):
        distribution_for(Profile(name="p"), args("--expect-workers", "2"))

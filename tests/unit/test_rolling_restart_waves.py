"""The waves of the cluster's rolling restart (cluster/supervisor.py): every kind of process
rolls at the same time, one replica at a time, so that no kind with two replicas is ever
without a running one."""

from __future__ import annotations

from cluster.supervisor import Role, Topology, waves


def test_every_first_replica_restarts_together_then_every_second() -> None:
    apis = [Role("api", n, ("serve",), 0) for n in (1, 2)]
    roles = apis + Topology().background()

    first, second = waves(roles)

    kinds = {role.kind for role in roles}
    assert sorted(role.kind for role in first) == sorted(kinds)
    assert {role.replica for role in first} == {1}
    assert sorted(role.kind for role in second) == sorted(kinds - {"carrier"})
    assert {role.replica for role in second} == {2}
    assert len(first) + len(second) == len(roles)


def test_a_kind_with_more_replicas_rolls_on_after_the_others() -> None:
    roles = [Role("api", n, ("serve",), 0) for n in (1, 2, 3)]
    roles += [Role("relay", n, ("relay",), 0) for n in (1, 2)]

    assert [[role.name for role in wave] for wave in waves(roles)] == [
        ["api-1", "relay-1"],
        ["api-2", "relay-2"],
        ["api-3"],
    ]

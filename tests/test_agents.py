"""Agents are Mesa agents, registered with the model, whose properties are views of the columns."""

from __future__ import annotations

import mesa
import numpy as np
import pytest
from profiles import COLD

import slsim
from slsim.model.agents import ORG_LABELS


@pytest.fixture(scope="module")
def model():
    m = slsim.SystemModel(n_citizens=500, rng=1, **COLD)
    m.step()
    return m


def test_agent_counts(model):
    by_type = model.agents_by_type
    assert len(by_type[slsim.Organisation]) == 5
    assert len(by_type[slsim.Staff]) == model.staff.n == model.params.n_staff
    assert len(by_type[slsim.Citizen]) == model.citizens.n == 500
    assert len(model.agents) == 5 + model.staff.n + 500
    for agent in model.agents:
        assert isinstance(agent, mesa.Agent) and agent.model is model


def test_staff_scale_with_the_place():
    m = slsim.SystemModel(n_citizens=1000, rng=0, staff_per_1000_citizens=60, **COLD)
    assert m.staff.n == 60
    assert len(m.agents_by_type[slsim.Staff]) == 60
    counts = np.bincount(m.staff.org, minlength=5)
    assert (counts >= 1).all(), "every organisation has staff"
    assert counts.argmax() == 0, "the acute hospital is the largest employer"


def test_five_organisation_kinds(model):
    kinds = [o.kind for o in model.agents_by_type[slsim.Organisation]]
    assert sorted(kinds) == sorted(slsim.ORG_KINDS)
    assert set(slsim.ORG_KINDS) == {"acute", "community", "social_care", "primary_care", "voluntary"}
    for org in model.organisations:
        assert org.label == ORG_LABELS[org.kind]
        assert org.budget == model.orgs.budget[org.index]
        assert org.balance == model.orgs.balance[org.index]
        assert org.psychological_safety == model.orgs.psych_safety[org.index]
        np.testing.assert_array_equal(org.staff_rows, np.flatnonzero(model.staff.org == org.index))


def test_citizen_properties_are_views_of_the_columns(model):
    c = model.citizen(7)
    assert isinstance(c, slsim.Citizen) and c.row == 7
    assert c.health_need == model.citizens.health_need[7]
    model.citizens.care_need[7] = 0.42
    assert c.care_need == 0.42, "reading goes to the live column"
    c.wellbeing = 0.33
    assert model.citizens.wellbeing[7] == 0.33, "writing goes to the column, not a copy"
    c.involved = True
    assert model.citizens.involved[7]
    assert isinstance(c.where, str)
    assert model.citizen(7) is c


def test_staff_properties_are_views_of_the_columns(model):
    s = model.staff_agents[3]
    assert isinstance(s, slsim.Staff) and s.row == 3
    s.stress = 0.77
    assert model.staff.stress[3] == 0.77
    model.staff.agency[3] = 0.12
    assert s.agency == 0.12
    s.filled = False
    assert not model.staff.filled[3]
    s.filled = True
    assert s.organisation is model.organisations[model.staff.org[3]]
    assert s.role in ("frontline", "manager", "senior leader")
    assert sum(s.time_use.values()) == pytest.approx(1.0)
    assert list(s.time_use) == ["direct", "cross_boundary", "involving", "improving", "defensive"]


def test_agents_see_the_state_after_steps():
    m = slsim.SystemModel(n_citizens=300, rng=4, **COLD)
    c = m.citizen(0)
    for _ in range(10):
        m.step()
        assert c.health_need == m.citizens.health_need[0]
        assert m.staff_agents[0].stress == m.staff.stress[0]


def test_very_large_places_make_citizen_views_on_demand():
    m = slsim.SystemModel(n_citizens=300, rng=4, citizen_objects=False, **COLD)
    by_type = m.agents_by_type
    assert slsim.Citizen not in by_type or len(by_type[slsim.Citizen]) == 0, "no citizen objects up front"
    assert m.citizen_agents is None
    c = m.citizen(5)
    assert isinstance(c, slsim.Citizen) and c.health_need == m.citizens.health_need[5]
    assert m.citizen(5) is c
    with pytest.raises(IndexError):
        m.citizen(300)


@pytest.mark.parametrize("n", [100, 225, 250, 475])
def test_staff_count_matches_params_n_staff(n):
    m = slsim.SystemModel(n_citizens=n, rng=0, **COLD)
    assert len(m.agents_by_type[slsim.Staff]) == m.params.n_staff, "Params.n_staff is 'staff agents in the place'"

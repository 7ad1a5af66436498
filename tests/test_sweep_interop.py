"""The model as a plain function (`model.interop.run_model`), driven by EMA Workbench."""

import math
import warnings

import numpy as np
import pytest

from model.errors import InputError
from model.interop import dotted, identifier, outcome_names, parameter_names, run_model
from model.outcomes import OUTCOMES


def test_dotted_and_double_underscore_names_are_the_same_parameter():
    a = run_model(
        reps=300, seed=4, **{"seoul.public_opposition": 0.5, "war.ceasefire_hazard": 0.05}
    )
    b = run_model(reps=300, seed=4, seoul__public_opposition=0.5, war__ceasefire_hazard=0.05)
    c = run_model(reps=300, seed=4)
    assert a == b
    assert a["ceasefire"] > c["ceasefire"]  # the parameter really reached the model
    assert a["final_public_opposition"] < c["final_public_opposition"]


def test_result_is_a_flat_dict_of_numbers_under_identifier_names():
    out = run_model(reps=200, seed=1, scenario="november-2024")
    assert list(out) == outcome_names()
    assert all(name.isidentifier() for name in out)
    assert all(isinstance(v, float) for v in out.values())
    for e in OUTCOMES:
        assert 0.0 <= out[e] <= 1.0
        assert (
            math.isnan(out[f"median_months_to_{e}"])
            if out[e] == 0
            else 0 <= out[f"median_months_to_{e}"] <= 24
        )


def test_name_mapping_round_trips_for_every_parameter():
    for name in parameter_names():
        assert identifier(name).isidentifier()
        assert dotted(identifier(name)) == name
    assert "horizon_months" in parameter_names(identifiers=True)
    assert all(n.isidentifier() for n in parameter_names(identifiers=True, assumptions_only=True))


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"seoul__public_oppositon": 0.5}, "seoul.public_oppositon"),
        ({"seoul.public_opposition": 1.5}, "seoul.public_opposition"),
        (
            {"seoul.public_opposition": 0.5, "seoul__public_opposition": 0.6},
            "seoul.public_opposition",
        ),
    ],
)
def test_bad_parameters_raise_input_error_naming_them(kwargs, field):
    with pytest.raises(InputError) as err:
        run_model(reps=10, seed=1, **kwargs)
    assert field in str(err.value)


def test_numpy_scalars_from_toolkits_are_accepted():
    a = run_model(
        reps=100,
        seed=2,
        seoul__vote_cooldown_months=np.int64(3),
        seoul__step_by_step=np.bool_(False),
        seoul__approval=np.float64(0.3),
    )
    b = run_model(
        reps=100,
        seed=2,
        seoul__vote_cooldown_months=3,
        seoul__step_by_step=False,
        seoul__approval=0.3,
    )
    assert a == b


def test_ema_workbench_drives_the_model_with_a_small_lhs_experiment():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import (
            BooleanParameter,
            Constant,
            IntegerParameter,
            Model,
            RealParameter,
            ScalarOutcome,
            SequentialEvaluator,
        )
        from ema_workbench.em_framework.samplers import LHSSampler

    model = Model("redline", function=run_model)
    model.uncertainties = [
        RealParameter("seoul__public_opposition", 0.4, 0.79),
        IntegerParameter("seoul__vote_cooldown_months", 1, 12),
        BooleanParameter("seoul__step_by_step"),
        # a short EMA name mapped onto the dotted parameter name
        RealParameter("hazard", 0.0, 0.08, variable_name="war.ceasefire_hazard"),
    ]
    model.constants = [Constant("reps", 150), Constant("seed", 9)]
    model.outcomes = [
        ScalarOutcome(n)
        for n in ("lethal_aid", "relations_collapsed", "ceasefire", "final_public_opposition")
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with SequentialEvaluator(model) as evaluator:
            experiments, outcomes = evaluator.perform_experiments(
                scenarios=6, uncertainty_sampling=LHSSampler()
            )
    assert len(experiments) == 6
    assert {k: len(v) for k, v in outcomes.items()} == {
        "lethal_aid": 6,
        "relations_collapsed": 6,
        "ceasefire": 6,
        "final_public_opposition": 6,
    }
    # every EMA result is exactly what a direct call with those values gives
    for i in (0, 5):
        row = experiments.iloc[i]
        direct = run_model(
            reps=150,
            seed=9,
            **{
                "seoul.public_opposition": row["seoul__public_opposition"],
                "seoul.vote_cooldown_months": int(row["seoul__vote_cooldown_months"]),
                "seoul.step_by_step": bool(row["seoul__step_by_step"]),
                "war.ceasefire_hazard": row["hazard"],
            },
        )
        for name, values in outcomes.items():
            assert values[i] == direct[name]
    hazard = experiments["hazard"].to_numpy()
    assert np.corrcoef(hazard, outcomes["ceasefire"])[0, 1] > 0.8

"""The seed-era types (qiskit-ibm-runtime 0.11-0.15): construction, validation, round trips.

``Options`` and its groups, ``RuntimeOptions``, ``ParameterNamespace``, ``RuntimeProgram``,
``ResultDecoder``; and, through a ``MockTransport`` answering the 0.15.1 client's shapes,
``service.program(s)`` and ``Session.run`` with a namespace and ``RuntimeOptions``. Expected
values come from the 0.15.1 source (``options/options.py``, ``legacy/runtime_options.py``,
``legacy/runtime_program.py``) and its published tests (``test/unit/test_options.py``).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import asdict
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit.transpiler import CouplingMap

from qiskit_runtime_double import (
    EnvironmentOptions,
    ExecutionOptions,
    IBMApiError,
    IBMInputTypeError,
    IBMInputValueError,
    IBMNotAuthorizedError,
    MockTransport,
    Options,
    ParameterNamespace,
    QiskitRuntimeService,
    ResilienceOptions,
    ResultDecoder,
    RuntimeOptions,
    RuntimeProgram,
    RuntimeProgramNotFound,
    Session,
    SimulatorOptions,
    TranspilationOptions,
)
from qiskit_runtime_double.legacy.options import set_default_error_levels
from qiskit_runtime_double.legacy.result_decoder import decoders
from qiskit_runtime_double.legacy.runtime_options import run_settings
from qiskit_runtime_double.legacy.runtime_program import program_from_wire, program_page
from qiskit_runtime_double.wire import codec
from qiskit_runtime_double.wire.http import HttpRequest, HttpResponse

TYPE, VALUE = IBMInputTypeError, IBMInputValueError

# --- Options: construction ------------------------------------------------------------------------

#: The structure of ``asdict(Options())`` in 0.15.1: its keys, and each group's keys.
STRUCTURE = {
    "optimization_level": None,
    "resilience_level": None,
    "max_execution_time": None,
    "transpilation": [
        "skip_transpilation",
        "initial_layout",
        "layout_method",
        "routing_method",
        "approximation_degree",
    ],
    "resilience": ["noise_amplifier", "noise_factors", "extrapolator"],
    "execution": ["shots", "init_qubits"],
    "environment": ["log_level", "callback", "job_tags"],
    "simulator": ["noise_model", "seed_simulator", "coupling_map", "basis_gates"],
}


def _structure(options: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, dict) else None for k, v in options.items()}


def test_defaults_and_structure_are_0_15s() -> None:
    options = asdict(Options())
    assert _structure(options) == STRUCTURE
    assert options["transpilation"]["skip_transpilation"] is False
    assert options["execution"] == {"shots": 4000, "init_qubits": True}
    assert options["environment"] == {"log_level": "WARNING", "callback": None, "job_tags": []}
    assert options["optimization_level"] is None and options["resilience_level"] is None


@pytest.mark.parametrize(
    "given",
    [
        {},
        {"optimization_level": 1, "resilience_level": 2, "max_execution_time": 600},
        {"transpilation": {"skip_transpilation": True}},
        {"transpilation": {"initial_layout": [1, 2], "layout_method": "trivial"}},
        {"transpilation": {"routing_method": "sabre", "approximation_degree": 0.5}},
        {"resilience": {"noise_factors": (1, 3, 5), "extrapolator": "LinearExtrapolator"}},
        {"resilience": {"noise_amplifier": "LocalFoldingAmplifier"}},
        {"execution": {"shots": 100, "init_qubits": False}},
        {"environment": {"log_level": "DEBUG", "job_tags": ["a", "b"]}},
        {"simulator": {"seed_simulator": 42, "coupling_map": [[0, 1]], "basis_gates": ["cx"]}},
    ],
    ids=lambda given: ",".join(given) or "defaults",
)
def test_options_take_each_group_as_a_dict_or_an_object(given: dict[str, Any]) -> None:
    from_dicts = Options(**given)
    groups = {
        "transpilation": TranspilationOptions,
        "resilience": ResilienceOptions,
        "execution": ExecutionOptions,
        "environment": EnvironmentOptions,
        "simulator": SimulatorOptions,
    }
    objects = {k: groups[k](**v) if k in groups else v for k, v in given.items()}
    from_objects = Options(**objects)
    assert from_dicts == from_objects
    values = asdict(from_dicts)
    for key, value in given.items():
        if isinstance(value, dict):
            assert {k: values[key][k] for k in value} == value
        else:
            assert values[key] == value
    assert _structure(values) == STRUCTURE
    assert Options(**values) == from_dicts  # round trip through asdict


@pytest.mark.parametrize(
    ("make", "error", "names"),
    [
        (lambda: Options(optimization_level=4), VALUE, "optimization_level"),
        (lambda: Options(optimization_level=1.0), TYPE, "optimization_level"),
        (lambda: Options(resilience_level="1"), TYPE, "resilience_level"),
        (lambda: Options(resilience_level=-1), VALUE, "resilience_level"),
        (lambda: Options(max_execution_time=8 * 3600 + 1), VALUE, "max_execution_time"),
        (lambda: Options(max_execution_time="1h"), TYPE, "max_execution_time"),
        (lambda: Options(transpilation={"layout_method": "best"}), VALUE, "layout_method"),
        (lambda: Options(transpilation={"routing_method": "fast"}), VALUE, "routing_method"),
        (
            lambda: Options(transpilation={"approximation_degree": 1.5}),
            VALUE,
            "approximation_degree",
        ),
        (lambda: Options(transpilation={"skip_transpilation": 1}), TYPE, "skip_transpilation"),
        (lambda: Options(transpilation={"initial_layout": "01"}), TYPE, "initial_layout"),
        (lambda: Options(transpilation={"initial_layout": [0, 1.5]}), TYPE, "initial_layout"),
        (lambda: Options(transpilation={"aaa": "bbb"}), TYPE, "aaa"),
        (lambda: TranspilationOptions(layout_method="best"), VALUE, "layout_method"),
        (lambda: Options(resilience={"noise_amplifier": "Global"}), VALUE, "noise_amplifier"),
        (lambda: Options(resilience={"extrapolator": "Cubic"}), VALUE, "extrapolator"),
        (lambda: Options(resilience={"noise_factors": ["a"]}), TYPE, "noise_factors"),
        (
            lambda: Options(resilience={"extrapolator": "CubicExtrapolator"}),
            VALUE,
            "noise_factors",
        ),
        (
            lambda: ResilienceOptions(extrapolator="QuarticExtrapolator", noise_factors=(1, 3)),
            VALUE,
            "noise_factors",
        ),
        (lambda: Options(resilience={"aaa": "bbb"}), TYPE, "aaa"),
        (lambda: Options(execution={"shots": 0}), VALUE, "execution.shots"),
        (lambda: Options(execution={"shots": 1.5}), TYPE, "execution.shots"),
        (lambda: Options(execution={"init_qubits": 1}), TYPE, "init_qubits"),
        (lambda: Options(execution={"aaa": "bbb"}), TYPE, "aaa"),
        (lambda: Options(environment={"log_level": "LOUD"}), VALUE, "log_level"),
        (lambda: Options(environment={"callback": 3}), TYPE, "callback"),
        (lambda: Options(environment={"job_tags": "a"}), TYPE, "job_tags"),
        (lambda: Options(simulator={"seed_simulator": 1.5}), TYPE, "seed_simulator"),
        (lambda: Options(simulator={"coupling_map": [[0, 1, 2]]}), VALUE, "coupling_map"),
        (lambda: Options(simulator={"coupling_map": "0-1"}), TYPE, "coupling_map"),
        (lambda: Options(simulator={"basis_gates": "cx"}), TYPE, "basis_gates"),
        (lambda: Options(simulator={"noise_model": 3}), TYPE, "noise_model"),
        (lambda: Options(simulator={"aaa": "bbb"}), TYPE, "aaa"),
        (lambda: Options(execution=5), TYPE, "execution"),
        (lambda: Options(foo="bar"), TypeError, "foo"),
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_a_bad_option_is_refused_naming_it(
    make: Callable[[], Any], error: type[Exception], names: str
) -> None:
    with pytest.raises(error, match=names):
        make()


def test_the_errors_are_value_errors_as_0_15_raised() -> None:
    for make in (lambda: Options(optimization_level=9), lambda: Options(execution={"shots": "1"})):
        with pytest.raises(ValueError):
            make()


# --- Options: 0.15.1's static helpers -------------------------------------------------------------


@pytest.mark.parametrize(
    "new",
    [
        {},
        {"resilience_level": 2},
        {"resilience_level": 1, "transpilation": {"initial_layout": [1, 2]}},
        {"shots": 99, "seed_simulator": 42},
        {"resilience_level": 0, "shots": 98, "initial_layout": [3, 4]},
        {
            "initial_layout": [1, 2],
            "transpilation": {"layout_method": "trivial"},
            "log_level": "INFO",
        },
    ],
)
def test_merge_puts_flat_keys_in_their_group_and_keeps_the_structure(new: dict[str, Any]) -> None:
    """0.15.1's ``test_merge_options``."""
    old = asdict(Options())
    combined = Options._merge_options(old, new)
    assert _structure(combined) == STRUCTURE
    flat = {
        k: v for group in combined.values() if isinstance(group, dict) for k, v in group.items()
    }
    flat.update({k: v for k, v in combined.items() if not isinstance(v, dict)})
    for key, value in new.items():
        if isinstance(value, dict):
            assert {k: combined[key][k] for k in value} == value
        else:
            assert flat[key] == value
    assert old == asdict(Options())  # not modified


def test_merge_prefers_the_groups_value_and_keeps_unknown_keys_at_the_top() -> None:
    """Given flat and in its group, 0.15.1 ends with the group's value (it adds the group's keys
    last)."""
    combined = Options._merge_options(
        asdict(Options()), {"shots": 5, "execution": {"shots": 7}, "foo": 1}
    )
    assert combined["execution"]["shots"] == 7 and combined["foo"] == 1


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["shots", "init_qubits", "log_level", "seed_simulator", "layout_method"]),
        st.just(None),
    ),
    st.integers(1, 10_000),
)
def test_merge_of_any_flat_keys_lands_each_in_its_group(keys: dict[str, None], shots: int) -> None:
    values = {
        "shots": shots,
        "init_qubits": False,
        "log_level": "ERROR",
        "seed_simulator": shots,
        "layout_method": "dense",
    }
    new = {key: values[key] for key in keys}
    combined = Options._merge_options(asdict(Options()), new)
    assert _structure(combined) == STRUCTURE
    homes = {"shots": "execution", "init_qubits": "execution", "log_level": "environment"}
    homes |= {"seed_simulator": "simulator", "layout_method": "transpilation"}
    for key, value in new.items():
        assert combined[homes[key]][key] == value
    Options.validate_options({**combined, "optimization_level": 1})
    assert Options(**combined) == Options(**Options._merge_options(asdict(Options(**combined))))


def test_program_inputs_are_0_15s() -> None:
    """0.15.1's ``test_program_inputs``, compared whole: what its primitives put in the job."""
    options = Options(
        optimization_level=1,
        resilience_level=2,
        transpilation={"initial_layout": [1, 2], "skip_transpilation": True},
        execution={"shots": 100},
        environment={"log_level": "DEBUG"},
        simulator={"seed_simulator": 7},
        resilience={"noise_factors": (1, 2, 4)},
    )
    given = asdict(options)
    inputs = Options._get_program_inputs(given)
    assert inputs == {
        "transpilation_settings": {
            "skip_transpilation": True,
            "initial_layout": [1, 2],
            "layout_method": None,
            "routing_method": None,
            "approximation_degree": None,
            "optimization_settings": {"level": 1},
            "coupling_map": None,
            "basis_gates": None,
        },
        "resilience_settings": {
            "noise_amplifier": None,
            "noise_factors": (1, 2, 4),
            "extrapolator": None,
            "level": 2,
        },
        "run_options": {
            "shots": 100,
            "init_qubits": True,
            "noise_model": None,
            "seed_simulator": 7,
        },
    }
    assert given == asdict(options)  # 0.15.1 modified its argument; this does not
    assert json.loads(codec.encode(inputs))["resilience_settings"]["noise_factors"] == [1, 2, 4]


@pytest.mark.parametrize(
    "coupling_map",
    [{(1, 0), (2, 1), (0, 1), (1, 2)}, [[1, 0], [2, 1], [0, 1], [1, 2]], "CouplingMap"],
)
def test_a_coupling_map_travels_as_edges(coupling_map: Any) -> None:
    """0.15.1's ``test_coupling_map_options``."""
    edges = {(1, 0), (2, 1), (0, 1), (1, 2)}
    options = Options()
    options.simulator.coupling_map = (  # type: ignore[union-attr]
        CouplingMap(list(edges)) if coupling_map == "CouplingMap" else coupling_map
    )
    inputs = Options._get_program_inputs(asdict(options))
    assert set(map(tuple, inputs["transpilation_settings"]["coupling_map"])) == edges


def test_unknown_keys_pass_into_the_inputs_with_a_warning_but_image_does_not() -> None:
    given = {**asdict(Options(optimization_level=1)), "foo": 1, "image": "a:b"}
    with pytest.warns(UserWarning, match="'foo' is an unrecognized option"):
        inputs = Options._get_program_inputs(given)
    assert inputs["foo"] == 1 and "image" not in inputs


@pytest.mark.parametrize(
    "runtime",
    [
        RuntimeOptions(
            backend="ibm_gotham",
            image="foo:bar",
            log_level="DEBUG",
            instance="h/g/p",
            job_tags=["foo", "bar"],
            max_execution_time=600,
        ),
        RuntimeOptions(backend="foo", log_level="DEBUG"),
    ],
)
def test_runtime_options_of_options(runtime: RuntimeOptions) -> None:
    """0.15.1's ``test_runtime_options``: what a job takes from the options is a subset."""
    assert vars(runtime).items() >= Options._get_runtime_options(vars(runtime)).items()


def test_runtime_options_come_from_the_environment_and_the_top_level() -> None:
    options = asdict(Options(max_execution_time=60, environment={"log_level": "INFO"}))
    assert Options._get_runtime_options({**options, "image": "a:b"}) == {
        "max_execution_time": 60,
        "log_level": "INFO",
        "job_tags": [],
        "image": "a:b",
    }


def _backend(simulator: bool) -> Any:
    return SimpleNamespace(configuration=lambda: SimpleNamespace(simulator=simulator))


@pytest.mark.parametrize(
    ("simulator", "noise_model", "given", "expected"),
    [
        (True, None, (None, None), (1, 0)),
        (True, {"errors": []}, (None, None), (3, 1)),
        (False, None, (None, None), (3, 1)),
        (True, None, (2, 1), (2, 1)),
        (False, None, (0, 0), (0, 0)),
    ],
)
def test_default_levels_depend_on_the_backend(
    simulator: bool, noise_model: Any, given: tuple[Any, Any], expected: tuple[int, int]
) -> None:
    options = asdict(Options(optimization_level=given[0], resilience_level=given[1]))
    options["simulator"]["noise_model"] = noise_model
    found = set_default_error_levels(options, _backend(simulator), 3, 1)
    assert (found["optimization_level"], found["resilience_level"]) == expected


def test_level_2_gets_default_noise_factors_and_extrapolator() -> None:
    two = Options._set_default_resilience_options(asdict(Options(resilience_level=2)))
    assert two["resilience"]["noise_factors"] == (1, 3, 5)
    assert two["resilience"]["extrapolator"] == "LinearExtrapolator"
    one = Options._set_default_resilience_options(asdict(Options(resilience_level=1)))
    assert one["resilience"]["noise_factors"] is None


def test_validate_options_needs_the_levels_resolved_and_checks_the_groups() -> None:
    with pytest.raises(VALUE, match="optimization_level"):
        Options.validate_options(asdict(Options()))
    resolved = {**asdict(Options()), "optimization_level": 1}
    Options.validate_options(resolved)
    resolved["transpilation"]["layout_method"] = "magic"  # assigned after construction
    with pytest.raises(VALUE, match=r"transpilation\.layout_method"):
        Options.validate_options(resolved)


def test_remove_none_values_cleans_one_level_down() -> None:
    cleaned = Options._remove_none_values(asdict(Options(optimization_level=1)))
    assert "resilience_level" not in cleaned and cleaned["optimization_level"] == 1
    assert cleaned["simulator"] == {} and "callback" not in cleaned["environment"]


# --- RuntimeOptions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "names"),
    [
        (lambda: RuntimeOptions(image="no tag"), VALUE, "image"),
        (lambda: RuntimeOptions(image=3), TYPE, "image"),
        (lambda: RuntimeOptions(log_level="LOUD"), VALUE, "log level"),
        (lambda: RuntimeOptions(max_execution_time=0), VALUE, "max_execution_time"),
        (lambda: RuntimeOptions(max_execution_time="60"), TYPE, "max_execution_time"),
        (lambda: RuntimeOptions(session_time=-1), VALUE, "session_time"),
        (lambda: RuntimeOptions(job_tags="a"), TYPE, "job_tags"),
        (lambda: RuntimeOptions(job_tags=[f"t{i}" for i in range(9)]), VALUE, "job_tags"),
        (lambda: RuntimeOptions(backend=5), TYPE, "backend"),
        (lambda: RuntimeOptions(instance=""), VALUE, "instance"),
        (lambda: RuntimeOptions().validate("ibm_quantum"), VALUE, '"backend" is required'),
        (lambda: RuntimeOptions(instance="h/g/p").validate("ibm_cloud"), VALUE, "instance"),
        (lambda: RuntimeOptions(backend="b").validate("ibmq"), VALUE, "channel"),
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_bad_runtime_options_are_refused_naming_the_field(
    make: Callable[[], Any], error: type[Exception], names: str
) -> None:
    with pytest.raises(error, match=names):
        make()


def test_runtime_options_validate_per_channel_as_0_15() -> None:
    RuntimeOptions(backend="b", instance="h/g/p", log_level="debug").validate("ibm_quantum")
    RuntimeOptions(image="qiskit/runtime:1.0-rc", job_tags=["x"]).validate("ibm_cloud")
    RuntimeOptions().validate("ibm_quantum_platform")
    options = RuntimeOptions(backend="b", max_execution_time=60)
    options.max_execution_time = "soon"  # type: ignore[assignment]
    with pytest.raises(TYPE, match="max_execution_time"):
        options.validate("ibm_cloud")
    full = RuntimeOptions("b", "i:t", "INFO", "crn", ["a"], 60, 600)
    assert RuntimeOptions(**asdict(full)) == full


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (None, {}),
        ({"job_tags": ["a"]}, {"tags": ["a"]}),
        ({"tags": ["a"]}, {"tags": ["a"]}),
        ({"max_execution_time": 60, "log_level": "INFO"}, {"cost": 60, "log_level": "INFO"}),
        ({"image": "a:b", "private": True}, {"runtime": "a:b", "private": True}),
        ({"private": False, "job_tags": []}, {}),
        (RuntimeOptions(job_tags=["a"], max_execution_time=9, image="a:b"), None),
    ],
)
def test_run_options_become_the_jobs_fields(options: Any, expected: Any) -> None:
    if expected is None:
        expected = {"tags": ["a"], "cost": 9, "runtime": "a:b"}
    assert run_settings(options, instance="crn:1").fields == expected


@pytest.mark.parametrize(
    ("options", "error", "names"),
    [
        ({"instance": "crn:2"}, VALUE, "instance"),
        (RuntimeOptions(instance="h/g/p"), VALUE, "instance"),
        ({"colour": "red"}, VALUE, "known options: backend, image, instance"),
        ({"tags": ["a"], "job_tags": ["b"]}, VALUE, "tags once"),
        ({"tags": "abc"}, TYPE, "tags"),
        ({"private": "yes"}, TYPE, "private"),
        ([("job_tags", ["a"])], TYPE, "RuntimeOptions or a dict"),
    ],
)
def test_bad_run_options_are_refused(options: Any, error: type[Exception], names: str) -> None:
    with pytest.raises(error, match=names):
        run_settings(options, instance="crn:1")
    assert run_settings({"instance": "crn:1", "backend": "b"}, instance="crn:1").backend == "b"


# --- ParameterNamespace and RuntimeProgram --------------------------------------------------------

#: A program as ``GET /programs/{id}`` described it in 2023 (0.15.1's test ``DEFAULT_METADATA``,
#: in the service's keys: ``cost`` is the maximum execution time).
PROGRAM = {
    "id": "qiskit-test",
    "name": "qiskit-test",
    "description": "Test program.",
    "cost": 300,
    "creation_date": "2023-05-01T10:00:00Z",
    "update_date": "2023-06-01T10:00:00Z",
    "is_public": True,
    "spec": {
        "backend_requirements": {"min_num_qubits": 5},
        "parameters": {
            "$schema": "https://json-schema.org/draft/2019-09/schema",
            "properties": {
                "param1": {"description": "Desc 1", "type": "string", "enum": ["a", "b", "c"]},
                "param2": {"description": "Desc 2", "type": "integer", "minimum": 0},
                "operator": {"description": "The Hamiltonian.", "type": "PauliSumOp"},
                "shots": {"description": "Shots.", "type": "int"},
                "initial_point": {"type": ["array", "string"]},
            },
            "required": ["param1"],
        },
        "return_values": {"type": "object", "description": "Return values"},
        "interim_results": {"properties": {"int_res": {"type": "string"}}},
    },
}


def _namespace() -> ParameterNamespace:
    return program_from_wire(PROGRAM).parameters()


def test_a_namespace_has_one_attribute_per_parameter_and_no_metadata_in_its_values() -> None:
    namespace = _namespace()
    names = ["param1", "param2", "operator", "shots", "initial_point"]
    assert vars(namespace) == dict.fromkeys(names)
    assert namespace.metadata == PROGRAM["spec"]["parameters"]  # type: ignore[index]
    assert list(namespace.to_dict()) == names  # 0.15.1: the declarations, by name
    namespace.param1 = "a"
    namespace.extra = 1  # not declared: allowed, and sent, as in 0.15.1
    namespace.validate()
    assert vars(namespace) == {**dict.fromkeys(names), "param1": "a", "extra": 1}
    printed = str(namespace)
    assert printed.startswith("ParameterNamespace (Values):")
    assert "| param1 " in printed and "| True " in printed and "Desc 2" in printed


@pytest.mark.parametrize(
    ("values", "error", "names"),
    [
        ({}, VALUE, r"Param \(param1\) missing required value!"),
        ({"param1": "d"}, VALUE, r"param1.*one of \['a', 'b', 'c'\]"),
        ({"param1": 1}, TYPE, r"Param \(param1\) must be a string"),
        ({"param1": "a", "param2": "3"}, TYPE, r"Param \(param2\) must be an integer"),
        ({"param1": "a", "param2": True}, TYPE, r"param2"),
        ({"param1": "a", "param2": 2.0}, TYPE, r"param2"),
        ({"param1": "a", "param2": -1}, VALUE, r"Param \(param2\) must be at least 0"),
        ({"param1": "a", "shots": "many"}, TYPE, r"Param \(shots\) must be an integer"),
        ({"param1": "a", "initial_point": 3}, TYPE, r"initial_point.*a list or a string"),
    ],
)
def test_validate_names_the_parameter(
    values: dict[str, Any], error: type[Exception], names: str
) -> None:
    namespace = _namespace()
    for key, value in values.items():
        setattr(namespace, key, value)
    with pytest.raises(error, match=names):
        namespace.validate()


@pytest.mark.parametrize(
    "values",
    [
        {"param1": "b"},
        {"param1": "c", "param2": np.int64(3), "shots": 100},
        {"param1": "a", "operator": object(), "initial_point": np.zeros(3)},
        {"param1": "a", "initial_point": "random"},
    ],
)
def test_values_of_the_declared_types_pass(values: dict[str, Any]) -> None:
    namespace = _namespace()
    for key, value in values.items():
        setattr(namespace, key, value)
    namespace.validate()  # operator: PauliSumOp is not a type this check knows, so not checked


def test_a_program_from_the_2023_shape() -> None:
    program = program_from_wire(PROGRAM)
    assert (program.program_id, program.name, program.description) == (
        "qiskit-test",
        "qiskit-test",
        "Test program.",
    )
    assert program.max_execution_time == 300 and program.is_public is True
    assert program.backend_requirements == {"min_num_qubits": 5}
    assert program.return_values["type"] == "object"
    assert program.interim_results["properties"]["int_res"] == {"type": "string"}
    assert program.creation_date == "2023-05-01T10:00:00Z"
    assert program.parameters() is not program.parameters()  # a fresh namespace each call
    assert program.to_dict()["max_execution_time"] == 300
    assert repr(program) == "<RuntimeProgram('qiskit-test')>"
    text = str(program)
    for line in (
        "qiskit-test:",
        "  Max execution time: 300",
        "    Minimum number of qubits: 5",
        "        - param2:",
        "            Minimum: 0",
        "            Required: False",
        "  Returns:",
    ):
        assert line in text.splitlines()


def test_a_program_read_through_a_wire_model() -> None:
    """The client may hand over its pydantic models of these bodies instead of dicts."""
    from pydantic import BaseModel, ConfigDict

    class Body(BaseModel):
        model_config = ConfigDict(extra="allow")

    program = program_from_wire(Body(**PROGRAM))
    assert program.max_execution_time == 300
    assert program.parameters().metadata["required"] == ["param1"]
    assert program_page(Body(programs=[PROGRAM], count=1)) == ([PROGRAM], 1)


@pytest.mark.parametrize(
    "body", [{"programs": "p", "count": 1}, {"programs": [], "count": "1"}, [], {"count": 0}]
)
def test_a_program_list_of_another_shape_is_an_api_error(body: Any) -> None:
    with pytest.raises(IBMApiError, match="expected shape"):
        program_page(body)
    with pytest.raises(IBMApiError, match="without an id"):
        program_from_wire({"name": "no id"})


def test_program_data_is_for_its_authors() -> None:
    program = program_from_wire(PROGRAM)
    with pytest.raises(IBMNotAuthorizedError, match="program authors"):
        _ = program.data
    assert RuntimeProgram("n", "i", "d", data="ZGF0YQ==").data == "ZGF0YQ=="


# --- result decoders ------------------------------------------------------------------------------


class Doubled(ResultDecoder):
    @classmethod
    def decode(cls, data: str) -> Any:
        return 2 * super().decode(data)


@pytest.mark.parametrize(
    ("given", "interim", "final"),
    [
        (None, [1], [1]),
        (Doubled, [1, 1], [1, 1]),
        ((ResultDecoder, Doubled), [1], [1, 1]),
        ([Doubled, lambda text: "raw"], [1, 1], "raw"),
        (Doubled(), [1, 1], [1, 1]),
    ],
)
def test_result_decoders_as_0_15_took_them(given: Any, interim: Any, final: Any) -> None:
    decode_interim, decode_final = decoders(given)
    assert decode_interim("[1]") == interim and decode_final("[1]") == final


@pytest.mark.parametrize(
    "given", [3, "json", (Doubled,), (Doubled, Doubled, Doubled), (Doubled, 1)]
)
def test_a_bad_result_decoder_is_refused(given: Any) -> None:
    with pytest.raises(TYPE, match="result_decoder"):
        decoders(given)


def test_the_default_decoder_decodes_runtime_json_and_returns_other_text() -> None:
    assert ResultDecoder.decode("not json") == "not json"
    array = ResultDecoder.decode(codec.encode({"a": np.arange(3)}))["a"]
    assert isinstance(array, np.ndarray) and array.tolist() == [0, 1, 2]


# --- through a transport that answers as the 2023 service did -------------------------------------

INSTANCE = "crn:v1:bluemix:public:quantum-computing:us-east:a/1::seed"


class Service2023:
    """Answers ``GET /programs`` (pages of 2), ``GET /programs/{id}``, ``POST /sessions`` and
    ``POST /jobs`` in the shapes the 0.15.1 client reads; records what it was sent."""

    def __init__(self, programs: list[dict[str, Any]]) -> None:
        self.programs = programs
        self.sent: list[HttpRequest] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.sent.append(request)
        path = request.url.split("/api/v1", 1)[1].split("?")[0]
        if path == "/programs":
            offset = int(dict(_query(request)).get("offset", 0))
            page = self.programs[offset : offset + 2]
            return HttpResponse.from_json(200, {"programs": page, "count": len(self.programs)})
        if path.startswith("/programs/"):
            found = [p for p in self.programs if p["id"] == path.rsplit("/", 1)[1]]
            if not found:
                return HttpResponse.from_json(404, {"errors": [{"message": "nope", "code": 1}]})
            return HttpResponse.from_json(200, found[0])
        if path == "/sessions":
            body = json.loads(request.content)
            return HttpResponse.from_json(
                200, {"id": "s-1", "backend_name": body.get("backend"), "max_ttl": body["max_ttl"]}
            )
        if path == "/jobs" and request.method == "POST":
            return HttpResponse.from_json(200, {"id": f"job-{len(self.sent)}", "backend": "b"})
        return HttpResponse.from_json(404, {"errors": [{"message": f"no {path}", "code": 1}]})

    def bodies(self, path: str) -> list[dict[str, Any]]:
        return [
            json.loads(r.content)
            for r in self.sent
            if r.method == "POST" and r.url.split("?")[0].endswith(path)
        ]


def _query(request: HttpRequest) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(request.url).query)


def _service(answers: Service2023) -> QiskitRuntimeService:
    return QiskitRuntimeService(transport=MockTransport(answers), instance=INSTANCE)


def _programs(count: int) -> list[dict[str, Any]]:
    return [{**PROGRAM, "id": f"p{i}", "name": f"program {i}"} for i in range(count)]


def test_programs_are_read_page_by_page_and_cached() -> None:
    answers = Service2023(_programs(5))
    service = _service(answers)
    assert [p.program_id for p in service.programs()] == ["p0", "p1", "p2", "p3", "p4"]
    assert [dict(_query(r)).get("offset") for r in answers.sent] == [None, "2", "4"]
    assert [p.name for p in service.programs(limit=2, skip=3)] == ["program 3", "program 4"]
    assert len(answers.sent) == 3  # cached
    assert len(service.programs(refresh=True, limit=None)) == 5 and len(answers.sent) == 6
    assert service.program("p1") is service.programs()[1]  # listed programs are cached too


def test_one_program_and_an_unknown_one() -> None:
    answers = Service2023(_programs(1))
    service = _service(answers)
    program = service.program("p0")
    assert program.parameters().metadata["required"] == ["param1"]
    assert service.program("p0", refresh=True) is not program and len(answers.sent) == 2
    with pytest.raises(RuntimeProgramNotFound, match="Program not found"):
        service.program("p9")
    with pytest.raises(TYPE, match="program_id"):
        service.program(9)  # type: ignore[arg-type]


def test_session_run_validates_a_namespace_and_sends_its_values_with_the_runtime_options() -> None:
    answers = Service2023(_programs(1))
    service = _service(answers)
    session = Session(service=service, backend="b")
    inputs = service.program("p0").parameters()
    with pytest.raises(VALUE, match="param1"):
        session.run("p0", inputs)
    assert answers.bodies("/sessions") == []  # nothing started, nothing sent
    inputs.param1, inputs.param2 = "a", 3
    options = RuntimeOptions(
        backend="b",
        image="runtime:1.0",
        log_level="INFO",
        instance=INSTANCE,
        job_tags=["seed"],
        max_execution_time=60,
        session_time=900,
    )
    session.run("p0", inputs, options)
    session.run("p0", {"param1": "b"}, {"job_tags": ["x"], "session_time": 900})
    assert answers.bodies("/sessions")[0]["max_ttl"] == 900
    first, second = answers.bodies("/jobs")
    first["tags"] = [t for t in first["tags"] if not t.startswith("qrd-submit-")]
    assert first == {
        "program_id": "p0",
        "params": {"param1": "a", "param2": 3},
        "backend": "b",
        "session_id": "s-1",
        "log_level": "INFO",
        "tags": ["seed"],
        "cost": 60,
        "runtime": "runtime:1.0",
    }
    assert second["params"] == {"param1": "b"} and second["session_id"] == "s-1"


@pytest.mark.parametrize(
    ("options", "names"),
    [
        ({"session_time": 60}, "session_time is 60 s, but this session's length is 900 s"),
        (RuntimeOptions(backend="other"), "runs on 'b'"),
        (RuntimeOptions(instance="crn:other"), "instance"),
        (("backend", "b"), "RuntimeOptions or a dict"),
    ],
)
def test_session_run_refuses_options_that_contradict_it(options: Any, names: str) -> None:
    answers = Service2023([])
    session = Session(service=_service(answers), backend="b", max_time=900)
    with pytest.raises(VALUE, match=names):
        session.run("p0", {}, options)
    assert answers.sent == []


def test_service_run_outside_a_session_refuses_a_session_time() -> None:
    answers = Service2023([])
    with pytest.raises(VALUE, match="session_time"):
        _service(answers).run("p0", {}, RuntimeOptions(session_time=60))
    with pytest.raises(TYPE, match="ParameterNamespace"):
        _service(answers).run("p0", [1, 2])  # type: ignore[arg-type]
    assert answers.sent == []


def test_private_is_sent_only_when_true_and_numpy_tags_survive() -> None:
    answers = Service2023([])
    service = _service(answers)
    service.run("p0", {"x": np.arange(2)}, {"private": True, "backend": "b"})
    body = answers.bodies("/jobs")[0]
    assert body["private"] is True and body["backend"] == "b"
    assert codec.from_jsonable(body["params"])["x"].tolist() == [0, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no deprecation noise from the seed API
        service.run("p0", {}, None)

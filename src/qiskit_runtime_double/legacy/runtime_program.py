"""``RuntimeProgram`` (a program's metadata, 2023) and ``ParameterNamespace`` (its inputs).

``service.program("sampler").parameters()`` is a namespace with one attribute per input the
program declares (None until set); ``validate()`` checks it against the declaration and
``service.run(program_id, namespace)`` / ``session.run(...)`` validate and send it.

The declaration is the program's ``spec.parameters`` as ``GET /programs/{id}`` returned it in
2023: a JSON Schema object, ``{"properties": {name: {"type": ..., "description": ...}},
"required": [...]}``, whose types are JSON Schema's (``integer``, ``array``...) or, in IBM's
own programs, Python's (``int``, ``List[PauliSumOp]``...).

Where this differs from qiskit-ibm-runtime 0.15.1 (also in ``docs/session-api.md``):

- ``validate()`` also checks the type of each value set, where the declared type is one it
  knows (JSON Schema's and ``int``/``float``/``bool``/``str``/``list``/``dict``/``complex``;
  others, like ``PauliSumOp``, are not checked), against ``enum``, ``minimum`` and ``maximum``;
- the namespace's metadata is kept out of ``vars(namespace)``: 0.15.1 sent it to the program as
  two extra inputs (``_ParameterNamespace__metadata``...); inputs left at None are not sent
  (0.15.1 sent them as None, overriding the program's defaults);
- ``print(namespace)`` shows the same columns, wider.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from numbers import Complex
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from ..errors import IBMApiError, IBMInputTypeError, IBMInputValueError, IBMNotAuthorizedError
from ..wire.numbers import is_int, is_real

if TYPE_CHECKING:
    from ..http_client.client import RuntimeClient

__all__ = [
    "ParameterNamespace",
    "RuntimeProgram",
    "program_from_wire",
    "program_inputs",
    "program_page",
]


def _is_int(value: Any) -> bool:
    return is_int(value)


def _is_number(value: Any) -> bool:
    return is_real(value)


def _is_array(value: Any) -> bool:
    return isinstance(value, (list, tuple)) or type(value).__name__ == "ndarray"


#: Declared type -> (test, what it means in an error message).
_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "integer": (_is_int, "an integer"),
    "number": (_is_number, "a number"),
    "string": (lambda v: isinstance(v, str), "a string"),
    "boolean": (lambda v: isinstance(v, bool) or type(v).__name__ == "bool_", "True or False"),
    "array": (_is_array, "a list"),
    "object": (lambda v: isinstance(v, Mapping), "a dict"),
    "complex": (lambda v: isinstance(v, Complex) and not isinstance(v, bool), "a complex number"),
}
_ALIASES = {
    "int": "integer",
    "float": "number",
    "str": "string",
    "bool": "boolean",
    "list": "array",
    "dict": "object",
}


def _type_problem(value: Any, declared: Any) -> str | None:
    """Why ``value`` is not of the ``declared`` type; None if it is, or if the type is one this
    check does not know (then the program is the judge)."""
    names = declared if isinstance(declared, list) else [declared]
    known = []
    for name in names:
        if not isinstance(name, str):
            return None
        key = _ALIASES.get(name, name)
        if key == "null":
            continue
        if key not in _TYPES:
            return None  # PauliSumOp, Union[...], QuantumCircuit...: not ours to judge
        known.append(key)
    if not known or any(_TYPES[key][0](value) for key in known):
        return None
    return " or ".join(_TYPES[key][1] for key in known)


def _plain(body: Any) -> Any:
    """A wire model (pydantic) as the JSON object it was read from; anything else unchanged."""
    dump = getattr(body, "model_dump", None)
    return dump(mode="json", by_alias=True) if callable(dump) else body


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:50] + "..."


class ParameterNamespace(SimpleNamespace):
    """A program's inputs, one attribute per parameter it declares (None until set).

    Set values as attributes (``inputs.iterations = 3``), then pass the namespace to
    ``service.run`` or ``session.run``: it is validated first. Attributes that the program does
    not declare are allowed and sent too, as in 0.15.1.
    """

    __slots__ = ("_declared", "_metadata")

    def __init__(self, parameters: Mapping[str, Any]) -> None:
        super().__init__()
        if not isinstance(parameters, Mapping):
            raise IBMInputTypeError(
                "parameters must be the program's parameter declaration (a dict with "
                f"'properties'), got {type(parameters).__name__}."
            )
        declared = parameters.get("properties") or {}
        if not isinstance(declared, Mapping):
            raise IBMInputTypeError(
                f"The parameters' 'properties' must be a dict, got {type(declared).__name__}."
            )
        object.__setattr__(self, "_metadata", parameters)
        object.__setattr__(self, "_declared", {name: dict(spec) for name, spec in declared.items()})
        for name in declared:
            setattr(self, name, None)

    @property
    def metadata(self) -> Mapping[str, Any]:
        """The program's parameter declaration, as the service returned it."""
        return self._metadata  # type: ignore[no-any-return]

    def _required(self) -> list[str]:
        required = self._metadata.get("required") or []
        return [name for name in required if isinstance(name, str)]

    def validate(self) -> None:
        """Check the values set against the declaration.

        Raises ``IBMInputValueError`` for a required parameter left at None (``Param (name)
        missing required value!``, as 0.15.1) or a value out of its ``enum``/``minimum``/
        ``maximum``, and ``IBMInputTypeError`` (also an ``IBMInputValueError``) for a value of
        another type than declared.
        """
        for name in self._required():
            if getattr(self, name, None) is None:
                raise IBMInputValueError(
                    f"Param ({name}) missing required value! Set it first, e.g. inputs.{name} = ..."
                )
        for name, spec in self._declared.items():
            value = getattr(self, name, None)
            if value is None:
                continue
            expected = _type_problem(value, spec.get("type"))
            if expected is not None:
                raise IBMInputTypeError(
                    f"Param ({name}) must be {expected} (the program declares type "
                    f"{spec.get('type')!r}), got {_shown(value)}."
                )
            allowed = spec.get("enum")
            if isinstance(allowed, list) and value not in allowed:
                raise IBMInputValueError(
                    f"Param ({name}) must be one of {allowed}, got {_shown(value)}."
                )
            low, high = spec.get("minimum"), spec.get("maximum")
            if _is_number(value) and _is_number(low) and value < low:
                raise IBMInputValueError(f"Param ({name}) must be at least {low}, got {value}.")
            if _is_number(value) and _is_number(high) and value > high:
                raise IBMInputValueError(f"Param ({name}) must be at most {high}, got {value}.")

    def _inputs(self) -> dict[str, Any]:
        """The values set (None values left out), as the job's inputs."""
        return {name: value for name, value in vars(self).items() if value is not None}

    def to_dict(self) -> dict[str, Any]:
        """The declared parameters, by name (as 0.15.1's ``to_dict``: their declarations, not
        their values; ``vars(namespace)`` gives the values)."""
        return dict(self._declared)

    def __str__(self) -> str:
        rows = [("Name", "Value", "Type", "Required", "Description")]
        required = set(self._required())
        for name, spec in self._declared.items():
            value = str(getattr(self, name, None))
            rows.append(
                (
                    name,
                    value if len(value) <= 30 else value[:27] + "...",
                    str(spec.get("type", "None")),
                    str(name in required),
                    str(spec.get("description", "None")),
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        lines = [
            "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
            for r in rows
        ]
        return "\n".join(
            ["ParameterNamespace (Values):", lines[0], "-" * len(lines[0]), *lines[1:]]
        )


def _sentence(key: str) -> str:
    """``min_num_qubits`` or ``minNumQubits`` -> ``Min num qubits``."""
    words = re.sub(r"([A-Z])", r" \1", key).replace("_", " ").split()
    text = " ".join(words).lower()
    return text[:1].upper() + text[1:]


def _describe(schema: Mapping[str, Any], out: list[str]) -> None:
    if "description" in schema:
        out.append(f"    Description: {schema['description']}")
    if "type" in schema:
        out.append(f"    Type: {schema['type']}")
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        out.append("    Properties:")
        required = schema.get("required") or []
        for name, spec in properties.items():
            out.append(f"        - {name}:")
            for key, value in spec.items() if isinstance(spec, Mapping) else ():
                out.append(f"            {_sentence(key)}: {value}")
            out.append(f"            Required: {name in required}")


class RuntimeProgram:
    """A program's metadata: id, name, description, parameters, results, limits (2023).

    ``parameters()`` returns a fresh ``ParameterNamespace`` to fill in and run.
    """

    def __init__(
        self,
        program_name: str,
        program_id: str,
        description: str,
        parameters: Mapping[str, Any] | None = None,
        return_values: Mapping[str, Any] | None = None,
        interim_results: Mapping[str, Any] | None = None,
        max_execution_time: int = 0,
        backend_requirements: Mapping[str, Any] | None = None,
        creation_date: str = "",
        update_date: str = "",
        is_public: bool | None = False,
        data: str = "",
        api_client: RuntimeClient | None = None,
    ) -> None:
        self._name = program_name
        self._id = program_id
        self._description = description
        self._parameters = dict(parameters or {})
        self._return_values = dict(return_values or {})
        self._interim_results = dict(interim_results or {})
        self._max_execution_time = max_execution_time
        self._backend_requirements = dict(backend_requirements or {})
        self._creation_date = creation_date
        self._update_date = update_date
        self._is_public = bool(is_public)
        self._data = data
        self._api_client = api_client

    @property
    def program_id(self) -> str:
        return self._id

    @property
    def name(self) -> str:
        return self._name

    @property
    def description(self) -> str:
        return self._description

    @property
    def return_values(self) -> dict[str, Any]:
        return self._return_values

    @property
    def interim_results(self) -> dict[str, Any]:
        return self._interim_results

    @property
    def max_execution_time(self) -> int:
        """Seconds a run of the program may last (the service's ``cost``)."""
        return self._max_execution_time

    @property
    def backend_requirements(self) -> dict[str, Any]:
        return self._backend_requirements

    @property
    def creation_date(self) -> str:
        return self._creation_date

    @property
    def update_date(self) -> str:
        return self._update_date

    @property
    def is_public(self) -> bool:
        """Whether every user sees the program (else only its author)."""
        return self._is_public

    @property
    def data(self) -> str:
        """The program's source (base64), which only its author may read.

        Asks the service when it was not listed; ``IBMNotAuthorizedError`` if it gives none.
        """
        if not self._data and self._api_client is not None:
            found = program_from_wire(self._api_client.program(self._id), self._api_client)
            self.__dict__.update(found.__dict__)
        if not self._data:
            raise IBMNotAuthorizedError(
                "Only program authors are authorized to retrieve program data"
            )
        return self._data

    def parameters(self) -> ParameterNamespace:
        """A new namespace of the program's inputs (each call a fresh one, all None)."""
        return ParameterNamespace(self._parameters)

    def to_dict(self) -> dict[str, Any]:
        return {
            "program_id": self.program_id,
            "name": self.name,
            "description": self.description,
            "max_execution_time": self.max_execution_time,
            "backend_requirements": self.backend_requirements,
            "parameters": self.parameters(),
            "return_values": self.return_values,
            "interim_results": self.interim_results,
            "is_public": self._is_public,
        }

    def __str__(self) -> str:
        out = [
            f"{self.program_id}:",
            f"  Name: {self.name}",
            f"  Description: {self.description}",
            f"  Creation date: {self.creation_date}",
            f"  Update date: {self.update_date}",
            f"  Max execution time: {self.max_execution_time}",
            "  Backend requirements:",
        ]
        requirements = self._backend_requirements
        if not requirements:
            out.append("    none")
        if "min_num_qubits" in requirements:
            out.append(f"    Minimum number of qubits: {requirements['min_num_qubits']}")
        out.extend(
            f"    {_sentence(key)}: {value}"
            for key, value in requirements.items()
            if key != "min_num_qubits"
        )
        for title, schema in (
            ("Input parameters", self._parameters),
            ("Interim results", self._interim_results),
            ("Returns", self._return_values),
        ):
            out.append(f"  {title}:")
            if schema:
                _describe(schema, out)
            else:
                out.append("    none")
        return "\n".join(out)

    def __repr__(self) -> str:
        return f"<RuntimeProgram('{self._id}')>"


def program_from_wire(body: Any, api_client: RuntimeClient | None = None) -> RuntimeProgram:
    """A ``RuntimeProgram`` from a program as ``GET /programs[/{id}]`` describes it (2023 shape:
    ``id``, ``name``, ``description``, ``cost``, ``creation_date``, ``update_date``,
    ``is_public``, ``data`` and ``spec`` with ``parameters``, ``return_values``,
    ``interim_results`` and ``backend_requirements``), as a dict or a wire model."""
    body = _plain(body)
    if not isinstance(body, Mapping) or not isinstance(body.get("id"), str):
        raise IBMApiError(
            f"The service described a program without an id: {_shown(body)}. Expected an object "
            "with 'id' and 'name'."
        )
    spec = body.get("spec") if isinstance(body.get("spec"), Mapping) else {}
    assert isinstance(spec, Mapping)

    def part(name: str) -> Mapping[str, Any]:
        found = spec.get(name)
        return found if isinstance(found, Mapping) else {}

    return RuntimeProgram(
        program_name=str(body.get("name") or body["id"]),
        program_id=body["id"],
        description=str(body.get("description") or ""),
        parameters=part("parameters"),
        return_values=part("return_values"),
        interim_results=part("interim_results"),
        max_execution_time=int(body.get("cost") or 0),
        backend_requirements=part("backend_requirements"),
        creation_date=str(body.get("creation_date") or ""),
        update_date=str(body.get("update_date") or ""),
        is_public=bool(body.get("is_public", False)),
        data=str(body.get("data") or ""),
        api_client=api_client,
    )


def program_page(body: Any) -> tuple[list[Any], int]:
    """The programs of a ``GET /programs`` page and the total ``count`` (2023 shape:
    ``{"programs": [...], "count": n}``), from a dict or a wire model."""
    body = _plain(body)
    if not isinstance(body, Mapping):
        body = {}
    items = body.get("programs")
    count = body.get("count")
    if not isinstance(items, list) or not is_int(count):
        raise IBMApiError(
            f"The program list does not have the expected shape ({{'programs': [...], 'count': "
            f"n}}): {_shown(body)}."
        )
    return items, int(count)


def program_inputs(inputs: Any) -> dict[str, Any]:
    """A job's inputs from a dict, or from a ``ParameterNamespace`` (validated first; values
    left at None are not sent)."""
    if isinstance(inputs, ParameterNamespace):
        inputs.validate()
        return inputs._inputs()
    if isinstance(inputs, Mapping):
        return dict(inputs)
    raise IBMInputTypeError(
        "inputs must be a dict of program parameters or a ParameterNamespace "
        f"(service.program(program_id).parameters()), got {type(inputs).__name__}."
    )

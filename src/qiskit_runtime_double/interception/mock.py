"""``mock_runtime``: the official ``qiskit-ibm-runtime`` client, unchanged, on a fake in process.

::

    from qiskit_runtime_double import mock_runtime

    with mock_runtime() as fake:
        service = QiskitRuntimeService(channel="ibm_quantum_platform", token="any")
        ...  # your code, as it runs against IBM: sessions, primitives, jobs, listing

    @mock_runtime()
    def test_my_pipeline():
        ...

moto's ``mock_aws`` for Qiskit Runtime: inside the block the client's requests to IBM's hosts
(IAM, Global Search, Global Catalog, Resource Controller, the runtime API of every region) are
answered by a ``FakeRuntime`` in process (``Interception`` with ``FakeRoutes``), without a socket;
other hosts are untouched; the client's waits move the fake's clock (``virtual_time``). No
function of the client is patched. Leaving the block puts everything back.

The instance: code that names its instance (``instance=`` or a saved account) must find it among
the instances the fake lists, as against IBM. So, unless ``fake=`` or ``instances=`` says
otherwise, the fake serves the instance of the account the official client would load
(``QISKIT_IBM_INSTANCE``, or the saved default account's ``instance``, CRN or name), else its
default one. ``instance=`` names it explicitly. Only the instance is read from the account, never
a token.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from .fake_edge import FakeRoutes
from .intercept import Interception

if TYPE_CHECKING:
    from ..fake.core.plan import Instance
    from ..fake.runtime import FakeRuntime

__all__ = [
    "MockRuntime",
    "account_instance",
    "mock_runtime",
    "served_instance",
    "tokens_in_simulated_time",
]

F = TypeVar("F", bound=Callable[..., Any])


def account_instance() -> str | None:
    """The instance (CRN or name) of the account the official client would load, if any."""
    from ..accounts import load_account
    from ..errors import AccountNotFoundError, IBMInputValueError

    try:
        account = load_account()
    except (AccountNotFoundError, IBMInputValueError, OSError, ValueError):
        return None
    instance = account.instance
    return instance if isinstance(instance, str) and instance.strip() else None


def served_instance(instance: str) -> Instance:
    """The fake's ``Instance`` for an account's ``instance``: that CRN, or that name."""
    from ..fake import Instance

    if instance.startswith("crn:"):
        fields = instance.split(":")
        return Instance(name=(fields[7] if len(fields) > 7 else "") or "instance", crn=instance)
    return Instance(name=instance)


def _fake_for(instance: str | None, options: dict[str, Any]) -> FakeRuntime:
    from ..fake import FakeRuntime

    if instance is not None and "instances" not in options:
        options = {**options, "instances": [served_instance(instance)]}
    return FakeRuntime(**options)


def _where() -> str:
    """``file:line`` of the user code that made the mock (for the nesting error)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    if frame is None:
        return "unknown"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


@contextmanager
def tokens_in_simulated_time(fake: FakeRuntime) -> Iterator[FakeRuntime]:
    """Stamp and check ``fake``'s IAM tokens with its own clock for the block.

    The fake stamps tokens with the wall clock, which the IBM Cloud SDK compares with
    ``time.time()``; under virtual time ``time.time()`` is the fake's clock, so its tokens must
    be too (or they would look issued in the future, or expired, after the clock jumps).
    """
    saved = fake.platform.wall_clock
    fake.platform.wall_clock = fake.clock
    try:
        yield fake
    finally:
        fake.platform.wall_clock = saved


class MockRuntime:
    """What ``mock_runtime(...)`` returns: a context manager yielding the fake, and a decorator.

    As a decorator, each call of the decorated function runs in a block of its own with a fresh
    fake (unless ``fake=`` was given); ``mock.fake`` is the fake of the block running now.
    """

    def __init__(
        self,
        fake: FakeRuntime | None,
        *,
        instance: str | None,
        virtual_time: bool,
        fake_options: dict[str, Any],
    ) -> None:
        self._given = fake
        self._instance = instance
        self._virtual_time = virtual_time
        self._options = fake_options
        self._where = _where()
        self._interception: Interception | None = None
        self._tokens: AbstractContextManager[FakeRuntime] | None = None
        #: The fake of the block running now (None outside it).
        self.fake: FakeRuntime | None = None

    # --- the block -----------------------------------------------------------------------------

    def _build(self) -> FakeRuntime:
        if self._given is not None:
            return self._given
        instance = self._instance
        if instance is None and "instances" not in self._options and "plan" not in self._options:
            instance = account_instance()
        return _fake_for(instance, self._options)

    def __enter__(self) -> FakeRuntime:
        if self._interception is not None:
            raise RuntimeError(
                f"this mock_runtime (made at {self._where}) is already active; a block cannot "
                "be entered twice at once: use the fake it yielded"
            )
        fake = self._build()
        interception = Interception(
            FakeRoutes(fake),
            virtual_time=self._virtual_time,
            name=f"mock_runtime() made at {self._where}",
        )
        if self._virtual_time:
            self._tokens = tokens_in_simulated_time(fake)
            self._tokens.__enter__()
        try:
            interception.start()
        except BaseException:
            self._restore()
            raise
        self._interception, self.fake = interception, fake
        return fake

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        interception, fake = self._interception, self.fake
        self._interception, self.fake = None, None
        if interception is None or fake is None:
            return
        try:
            interception.stop()
        finally:
            self._restore()

    def _restore(self) -> None:
        tokens, self._tokens = self._tokens, None
        if tokens is not None:
            tokens.__exit__(None, None, None)

    # --- the decorator -------------------------------------------------------------------------

    def __call__(self, function: F) -> F:
        if isinstance(function, type):
            raise TypeError(
                "mock_runtime decorates functions and methods, not classes: decorate each test "
                "method, or use the plugin's ibm_runtime fixture (autouse it in the class)"
            )
        if not callable(function):
            raise TypeError(f"mock_runtime decorates a function, got {type(function).__name__}")

        def fresh() -> MockRuntime:
            return MockRuntime(
                self._given,
                instance=self._instance,
                virtual_time=self._virtual_time,
                fake_options=self._options,
            )

        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with fresh():
                    return await function(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            with fresh():
                return function(*args, **kwargs)

        return run  # type: ignore[return-value]

    def __repr__(self) -> str:
        state = "active" if self._interception is not None else "inactive"
        return f"<mock_runtime {state}, made at {self._where}>"


def mock_runtime(
    fake: FakeRuntime | None = None,
    *,
    instance: str | None = None,
    virtual_time: bool = True,
    **fake_options: Any,
) -> MockRuntime:
    """Run the official client against ``fake`` (default: a new ``FakeRuntime(**fake_options)``).

    A context manager (``with mock_runtime() as fake:``) and a decorator (``@mock_runtime()``);
    see the module docs. ``instance``: the CRN or name of the instance the new fake serves
    (default: the loaded account's, else the fake's default). ``virtual_time=False`` leaves
    ``time`` alone: the client then polls in real time and the fake's clock only moves when you
    move it. ``fake_options`` are ``FakeRuntime``'s (``backends=``, ``seed=``, ``clock=``,
    ``instances=``, ...).
    """
    given_fake: object = fake  # callers without type checking pass anything
    if given_fake is not None:
        from ..fake import FakeRuntime

        if not isinstance(given_fake, FakeRuntime):
            hint = (
                ": to choose the new fake's backends, pass backends=[...]"
                if isinstance(given_fake, (list, tuple, dict))
                else ""
            )
            raise TypeError(
                "mock_runtime's first argument is a FakeRuntime, got "
                f"{type(given_fake).__name__}{hint}"
            )
        if fake_options or instance is not None:
            given = ", ".join([*fake_options, *(["instance"] if instance is not None else [])])
            raise TypeError(
                f"mock_runtime got a fake and options for a new one ({given}): give "
                "FakeRuntime(...) those options, or leave fake= out"
            )
    given_instance: object = instance  # callers without type checking pass anything
    if given_instance is not None and not (isinstance(given_instance, str) and instance):
        raise TypeError(f"instance must be a CRN or an instance name, got {instance!r}")
    if not isinstance(virtual_time, bool):
        raise TypeError(f"virtual_time must be True or False, got {virtual_time!r}")
    return MockRuntime(
        fake, instance=instance, virtual_time=virtual_time, fake_options=dict(fake_options)
    )

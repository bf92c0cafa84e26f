"""The hooks a minigrad plugin may implement.

A plugin is a module (found by module name for the built-ins, through the ``minigrad``
entry-point group for third parties) with functions marked ``@minigrad.hookimpl`` and
named after one of the hooks below. Each hook receives a ``register`` callback::

    register(name, factory, *, description="", aliases=())

``name`` is what users type (``--cells mgu``): letters, digits, ``-``, ``_`` and ``.``;
``description`` is one line for ``minigrad cells``; ``aliases`` are other names for the
same thing. Hooks call ``register`` and return nothing. Names that start with
``minigrad_`` are reserved for hooks, so a misspelt hook is reported, not ignored.
"""
import pluggy

hookspec = pluggy.HookspecMarker("minigrad")


@hookspec
def minigrad_register_cells(register):
    """Register recurrent cells: ``register(name, cell_class, description=...)``.

    A cell is a ``minigrad.nn.RecurrentCell`` subclass: ``__init__(self, input_size,
    hidden_size)``, ``initial_state(batch_size)`` and ``forward(x_t, state) -> (output_t,
    new_state)``; what it can be told it declares on the class (``options``,
    ``init_schemes``, ``recommended_init``). Every registered cell also gets a
    ``bi-<name>`` twin from the ``bi`` wrapper. Example::

        import minigrad

        @minigrad.hookimpl
        def minigrad_register_cells(register):
            register("mgu", MGUCell, description="minimal gated unit", aliases=("mgu1",))
    """


@hookspec
def minigrad_register_wrappers(register):
    """Register cell wrappers: ``register(name, wrap, description=...)``.

    ``wrap(cell_factory) -> new_factory`` turns any cell into another: the new factory is
    called like a cell class, ``new_factory(input_size, hidden_size, **options)``, and
    returns a ``RecurrentCell``, which the runner uses like any other. For each wrapper
    ``w`` and each registered cell ``c`` (third-party ones included) the cell ``w-c``
    exists, built as ``wrap(c)``. Example::

        import minigrad

        @minigrad.hookimpl
        def minigrad_register_wrappers(register):
            register("bi", Bidirectional, description="forward and backward in time")
    """


@hookspec
def minigrad_register_tasks(register):
    """Register synthetic sequence tasks: ``register(name, task_class, description=...)``.

    A task is a ``minigrad.task.Task`` subclass (see that module for the protocol); its
    declared ``options`` become command-line options of ``minigrad train``. Example::

        import minigrad

        @minigrad.hookimpl
        def minigrad_register_tasks(register):
            register("copy", CopyTask, description="remember K symbols over a delay")
    """

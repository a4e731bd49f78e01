"""The steps package's public API is exactly what __all__ says, and every name resolves."""

from __future__ import annotations

import finrpa.steps as steps


def test_exported_members_resolve_and_are_documented() -> None:
    assert sorted(steps.__all__) == steps.__all__
    for name in steps.__all__:
        member = getattr(steps, name)
        assert member.__doc__, f"{name} has no docstring"


def test_no_public_name_is_left_out() -> None:
    public = {name for name in vars(steps) if not name.startswith("_")}
    submodules = {name for name in public if type(getattr(steps, name)).__name__ == "module"}
    assert public - submodules == set(steps.__all__)

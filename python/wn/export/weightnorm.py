# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Finding weight-normed parameters in PyTorch modules, and loading state
dicts of either spelling.

PyTorch has two spellings of w = g * v / ||v||:
- torch.nn.utils.weight_norm (a forward pre-hook, the only one in 1.13):
  parameters `<name>_g` and `<name>_v`, the dim on the hook;
- torch.nn.utils.parametrizations.weight_norm (PyTorch 2.1 and later):
  `parametrizations.<name>.original0` (g) and `.original1` (v), the dim on
  the `_WeightNorm` parametrization.
Both store `dim=None` as -1, which means one norm over the whole tensor; any
other negative dim counts from the end (the reference's mapping).
"""

import re
from dataclasses import dataclass

import torch
from torch.nn.utils import parametrize
from torch.nn.utils.weight_norm import WeightNorm


class ExportError(Exception):
    """The module cannot be exported; the message says which layer and why."""


@dataclass
class WeightNormParam:
    """One weight-normed parameter of a module."""
    v: torch.Tensor
    g: torch.Tensor
    v_name: str   # the parameter's name inside its module
    g_name: str
    dim: int | None  # wn's spelling: 0 <= dim < rank, None = whole tensor


def wn_dim(torch_dim: int | None, rank: int) -> int | None:
    """PyTorch's weight-norm dim (None and -1: whole tensor) in wn's
    spelling (no dim: whole tensor; negative dims from the end)."""
    if torch_dim is None or torch_dim == -1:
        return None
    if not -rank <= torch_dim < rank:
        raise ExportError(f"weight-norm dim {torch_dim} is out of range for a "
                          f"rank-{rank} weight")
    return torch_dim % rank


def find_weight_norm(module: torch.nn.Module, name: str,
                     path: str) -> WeightNormParam | None:
    """The weight norm that computes `module.<name>`, or None when it is a
    plain parameter. Raises ExportError for parametrizations other than a
    single weight norm."""
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, WeightNorm) and hook.name == name:
            v = getattr(module, name + "_v")
            g = getattr(module, name + "_g")
            return WeightNormParam(v, g, name + "_v", name + "_g",
                                   wn_dim(hook.dim, v.dim()))
    if parametrize.is_parametrized(module, name):
        plist = module.parametrizations[name]
        kinds = [type(p).__name__ for p in plist]
        if kinds != ["_WeightNorm"] or not hasattr(plist[0], "dim"):
            raise ExportError(
                f"layer '{path}' ({type(module).__name__}): parametrization "
                f"{' -> '.join(kinds)} on '{name}' is not supported (only a "
                f"single weight norm is)")
        v, g = plist.original1, plist.original0
        return WeightNormParam(v, g, f"parametrizations.{name}.original1",
                               f"parametrizations.{name}.original0",
                               wn_dim(plist[0].dim, v.dim()))
    return None


_PARAMETRIZED_KEY = re.compile(
    r"^(?:(.*)\.)?parametrizations\.(\w+)\.original([01])$")


def _infer_dim(key: str, g: torch.Tensor, v: torch.Tensor) -> int | None:
    """PyTorch's dim from the shapes of g and v: g has v's rank, size 1
    everywhere but at dim (0-d for the whole tensor)."""
    if g.dim() == 0:
        return None
    if g.dim() != v.dim():
        raise ExportError(f"state dict entry '{key}': g of shape "
                          f"{list(g.shape)} does not fit v of shape "
                          f"{list(v.shape)}")
    candidates = [i for i in range(g.dim())
                  if g.shape[i] == v.shape[i] and
                  all(g.shape[j] == 1 for j in range(g.dim()) if j != i)]
    if not candidates:
        raise ExportError(f"state dict entry '{key}': g of shape "
                          f"{list(g.shape)} is not a weight-norm g of v of "
                          f"shape {list(v.shape)} for any dim")
    # Several candidates only when g is all ones: every candidate dim then
    # has size 1 in v, so each means one norm over all of v: the same.
    return candidates[0]


def load_state_dict(model: torch.nn.Module, state_dict: dict,
                    dims: dict[str, int | None] | None = None) -> None:
    """Loads `state_dict` into `model`, accepting both weight-norm spellings.

    Entries `<layer>.parametrizations.<name>.original0/1` (newer PyTorch) go
    into a layer that is weight-normed either way; a layer with a plain
    `<name>` gets torch.nn.utils.weight_norm first, with its dim from
    `dims[<layer>]` or, failing that, from g's shape (a layer weight-normed
    already keeps its dim, which `dims` must not contradict; `dims` naming
    any other layer is an error). Every other entry loads as usual (strict:
    missing or unexpected keys, shapes that differ from the model's and
    values that are not tensors are errors, ExportError).
    """
    if not isinstance(state_dict, dict):
        raise ExportError(f"the state dict is a {type(state_dict).__name__}, "
                          f"not a dict of tensors")
    dims = dims or {}
    used_dims = set()
    rest = {}
    pairs: dict[tuple[str, str], dict[str, torch.Tensor]] = {}
    for key, value in state_dict.items():
        if not isinstance(key, str):
            raise ExportError(f"state dict key {key!r} is not a string "
                              f"({type(key).__name__})")
        if not isinstance(value, torch.Tensor) and \
                not key.endswith("_extra_state"):
            raise ExportError(f"state dict entry '{key}' is not a tensor "
                              f"({type(value).__name__})")
        m = _PARAMETRIZED_KEY.match(key)
        if m:
            pairs.setdefault((m.group(1) or "", m.group(2)), {})[
                m.group(3)] = value
        else:
            rest[key] = value
    for (prefix, name), pair in pairs.items():
        key = f"{prefix + '.' if prefix else ''}parametrizations.{name}"
        if set(pair) != {"0", "1"}:
            raise ExportError(f"state dict: '{key}' needs both original0 (g) "
                              f"and original1 (v)")
        g, v = pair["0"], pair["1"]
        try:
            layer = model.get_submodule(prefix)
        except AttributeError:
            raise ExportError(f"state dict entry '{key}': the model has no "
                              f"layer '{prefix}'") from None
        found = find_weight_norm(layer, name, prefix)
        if found is None:
            weight = getattr(layer, name, None)
            if not isinstance(weight, torch.nn.Parameter):
                raise ExportError(f"state dict entry '{key}': layer "
                                  f"'{prefix}' has no parameter '{name}'")
            if prefix in dims:
                dim = dims[prefix]
                used_dims.add(prefix)
                try:
                    wn_dim(dim, weight.dim())   # checks the range
                except ExportError as error:
                    raise ExportError(f"layer '{prefix}': {error}") from None
            else:
                dim = _infer_dim(key, g, v)
            torch.nn.utils.weight_norm(layer, name,
                                       dim=-1 if dim is None else dim)
            found = find_weight_norm(layer, name, prefix)
        elif prefix in dims:
            used_dims.add(prefix)
            try:
                dim = wn_dim(dims[prefix], found.v.dim())
            except ExportError as error:
                raise ExportError(f"layer '{prefix}': {error}") from None
            if dim != found.dim:
                raise ExportError(
                    f"layer '{prefix}' is weight-normed with dim "
                    f"{found.dim}, not the dim {dims[prefix]} given for it")
        for target, source, what in ((found.g, g, "original0 (g)"),
                                     (found.v, v, "original1 (v)")):
            if target.shape != source.shape:
                raise ExportError(
                    f"state dict entry '{key}.{what[:9]}': shape "
                    f"{list(source.shape)}, but layer '{prefix}' expects "
                    f"{list(target.shape)} for {what}")
            with torch.no_grad():
                target.copy_(source)
        # The remaining entries must not name the parameters just loaded.
        rest.pop(f"{prefix + '.' if prefix else ''}{found.g_name}", None)
        rest.pop(f"{prefix + '.' if prefix else ''}{found.v_name}", None)
    unused = sorted(set(dims) - used_dims)
    if unused:
        which = "that layer" if len(unused) == 1 else "those layers"
        raise ExportError(
            f"a weight-norm dim is given for {', '.join(map(repr, unused))}, "
            f"but the state dict has no parametrizations.<name>.original0/1 "
            f"entries of {which} (a dim only applies to those)")
    own = model.state_dict()
    for key, value in rest.items():
        if isinstance(own.get(key), torch.Tensor) and \
                isinstance(value, torch.Tensor) and \
                own[key].shape != value.shape:
            raise ExportError(f"state dict entry '{key}': shape "
                              f"{list(value.shape)}, but the model expects "
                              f"{list(own[key].shape)}")
    loaded = set(pairs)
    missing, unexpected = model.load_state_dict(rest, strict=False)
    missing = [k for k in missing
               if not any(k.startswith(f"{p + '.' if p else ''}{n}_")
                          or k.startswith(f"{p + '.' if p else ''}"
                                          f"parametrizations.{n}.")
                          for p, n in loaded)]
    if missing or unexpected:
        raise ExportError(f"state dict does not fit the model: missing "
                          f"{missing}, unexpected {list(unexpected)}")

# nixpkgs' real lib.evalModules on module files (tests/gen_modules.rs, the
# option-type cases): `config` at each dotted path, as `{ value = ...; }`, or
# `{ error = true; }` when Nix fails there (a conflict, a type error).
{ lib, filesJSON, pathsJSON }:
let
  l = import lib;
  config = (l.evalModules {
    modules = map (f: /. + f) (builtins.fromJSON filesJSON);
  }).config;
  at = p:
    let
      r = builtins.tryEval (
        let v = l.getAttrFromPath (l.splitString "." p) config; in builtins.deepSeq v v
      );
    in
    if r.success then { value = r.value; } else { error = true; };
in
map at (builtins.fromJSON pathsJSON)

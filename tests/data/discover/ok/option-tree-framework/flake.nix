# A framework that reads its own option tree (as flakelight does): its
# `lib.evalModules` has a module whose `config` is
# `genAttrs (attrNames options)`, each option filled from a directory named
# after it (`nix/<option>`), as a set or a list as the option's
# `type.check` says. Its types are its own `mkOptionType`s (a `nullable`
# with its own `merge`, a `coercedTo` from functions), one option is
# defined both as a function and as a set (they merge under its type), and
# the hosts' `inputs` pass through `_module.args` (an input with no source
# here keeps every attribute: `inputs.hardware.nixosModules.x`).
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.hardware.url = "github:NixOS/nixos-hardware";
  inputs.atelier.url = "path:../../../../..";
  outputs = inputs: import ./fw inputs ./. { inherit inputs; };
}

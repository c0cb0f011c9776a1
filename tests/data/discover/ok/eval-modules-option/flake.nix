# Hosts in a submodule option of the flake's own module system
# (mightyiam/infra): `nixos.configurations.<name>` is a submodule that
# imports a module declaring `fn`, `args`, `module` and a read-only
# `configuration` whose default is `fn (args // { modules = [ module ]; })`,
# with `fn = import "${nixpkgs}/nixos/lib/eval-config.nix"`; the flake's
# `nixosConfigurations` maps that option to each `configuration` (the
# original writes these with `|>` pipes, which Nix 2.8 cannot parse) and
# `import "${nixpkgs}/lib"` (atelier's built-in lib when
# nixpkgs has no source here). atelier-gen's built-in flake-parts makes each
# element of that `lazyAttrsOf (submodule ...)` option the config of its own
# module system (option defaults under definitions), so the host's modules
# are `box.module`'s; `nixos.modules.efi` (modules/efi.nix) is a
# `deferredModuleWith` option with an `apply`.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  inputs.atelier.url = "path:../../../../..";
  outputs = inputs:
    let
      lib = import "${inputs.nixpkgs}/lib";
    in
    inputs.flake-parts.lib.mkFlake { inherit inputs; } {
      imports = lib.filter (p: !(lib.hasSuffix ".pkg.nix" (toString p))) [
        ./modules/eval-modules.nix ./modules/nixos.nix ./modules/efi.nix ./modules/box.nix
      ];
      _module.args.rootPath = ./.;
    };
}

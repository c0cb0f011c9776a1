# Hosts kept in a table of freeform submodules and turned into outputs by
# a module system of the flake's own (den's shape, sini/nix-config):
# `fleet.<system>.<host>` is a submodule whose options' defaults say how
# the host is built and under which output it goes, beside attributes no
# option declares (`paths`); the outputs are `config.flake` of an inner
# `lib.evalModules` whose `flake` option is a freeform submodule.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    flake-parts.url = "github:hercules-ci/flake-parts";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs:
    inputs.flake-parts.lib.mkFlake { inherit inputs; } {
      systems = [ "x86_64-linux" ];
      imports = [ ./fleet.nix ./outputs.nix ./machines.nix ];
    };
}

# flake-parts partitions whose inputs are another flake's
# (`extraInputsFlake`, DaRacci/nix-config): the top-level flake has no
# nixpkgs; the hosts partition gets `nixpkgs` from ./common (through
# `config.partitions.common.extraInputs`) and `unstable` from ./machines,
# known by that flake's flake.lock. Built-in knowledge only: the real
# flake-parts reads such a flake with flake-compat's `fetchTree`, which
# atelier-gen does not evaluate.
{
  inputs = {
    parts.url = "github:hercules-ci/flake-parts";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs:
    inputs.parts.lib.mkFlake { inherit inputs; } ({ config, ... }: {
      systems = [ "x86_64-linux" ];
      imports = [ inputs.parts.flakeModules.partitions ];
      partitionedAttrs.nixosConfigurations = "machines";
      partitions.common.extraInputsFlake = ./common;
      partitions.machines = {
        extraInputsFlake = ./machines;
        extraInputs = config.partitions.common.extraInputs;
        module = ./machines/flake-module.nix;
      };
    });
}

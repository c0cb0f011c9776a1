{ inputs, ... }:
{
  system = "x86_64-linux";
  modules = [
    inputs.atelier.nixosModules.default
    inputs.hardware.nixosModules.common-cpu-amd
    ./services.nix
  ];
}

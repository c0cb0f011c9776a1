{ inputs, lib, ... }:
let
  overlays = [ (final: prev: { greeting = "hello"; }) ];
in
{
  perSystem = { system, ... }: lib.mkIf (system != "riscv64-linux") {
    _module.args = {
      pkgs = import inputs.nixpkgs { inherit system overlays; };
      flavour = "stable";
    };
  };
}

{ flake, ... }:
let
  inherit (flake.inputs) self;
  homeMod = self + /modules/home;
in
{
  imports = [
    flake.inputs.atelier.nixosModules.default
    (self + /modules/nixos/notes.nix)
  ];
  # A path made the same way but only used as a value.
  environment.etc."home-modules".text = "${homeMod}";
  atelier.services.notes.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}

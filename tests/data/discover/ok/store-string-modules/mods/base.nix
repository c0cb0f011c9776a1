{ atelier, mods, ... }:
{
  imports = [ atelier.nixosModules.default mods.ledger ];
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}

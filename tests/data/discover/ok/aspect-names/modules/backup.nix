{ inputs, ... }:
{
  imports = [ inputs.atelier.nixosModules.default ];
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}

{ lib, ... }:
{
  imports = with (lib.findModules ../services); [ wiki ];
  networking.hostName = "one";
  atelier.services.wiki.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = lib.repoOf "one";
      passwordFile = "/run/keys/restic";
    };
  };
}

{ lib, ... }:
{
  imports = with (lib.findModules ../services); [ wiki ];
  networking.hostName = "two";
  atelier.services.wiki.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = lib.repoOf "two";
      passwordFile = "/run/keys/restic";
    };
  };
}

{ lib, namespace, ... }:
{
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = lib.${namespace}.stateOf "Restic";
      passwordFile = "/run/keys/restic";
    };
  };
}

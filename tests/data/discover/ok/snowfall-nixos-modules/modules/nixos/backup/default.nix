{ lib, namespace, ... }:
{
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = lib.${namespace}.stateOf "restic";
      passwordFile = "/run/keys/restic";
    };
  };
}

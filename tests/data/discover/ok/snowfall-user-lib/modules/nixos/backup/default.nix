{ lib, namespace, ... }:
{
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = lib.${namespace}.paths.stateOf "restic";
      passwordFile = lib.${namespace}.consts.passwordFile;
    };
  };
}

{ modulesPath, pkgs, lib, config, ... }@args:
let
  oci-common = import "${modulesPath}/virtualisation/oci-common.nix" {
    inherit (args) pkgs lib config;
  };
in
{
  imports = [ ./services.nix ] ++ oci-common.imports;
  boot = { inherit (oci-common.boot) kernelParams; };
}

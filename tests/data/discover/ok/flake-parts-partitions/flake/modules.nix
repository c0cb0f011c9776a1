# A top-level module: read by the top level and by every partition.
{ lib, partitionStack, ... }:
{
  flake.nixosModules.backup = {
    atelier.backup = {
      enable = true;
      repositories.default = {
        repository = "/srv/restic";
        passwordFile = "/run/keys/restic";
      };
    };
  };
  # The partition's module, second definition: merged with the first.
  partitions.hosts.module = {
    imports = [ ./names.nix ];
  };
  # Outside any partition this host is replaced by the partition's table
  # (the partitioned attribute wins, as `lib.mkForce`).
  flake.nixosConfigurations = lib.optionalAttrs (partitionStack == [ ]) {
    stray = throw "the top level's own host is never read";
  };
}

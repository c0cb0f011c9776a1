{ machine, ... }:
{
  networking.hostName = machine.name;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
    services.data = {
      inherit (machine) paths schedule;
    };
  };
}

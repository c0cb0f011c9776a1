{ machine, ... }:
{
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = machine.repository;
      passwordFile = "/run/keys/restic";
    };
    retention = machine.retention;
    services.data = {
      inherit (machine) paths exclude schedule;
    };
  };
}

{
  flake.machineModules.vault = { ... }: {
    atelier.backup = {
      enable = true;
      repositories.default = {
        repository = "/srv/restic";
        passwordFile = "/run/keys/restic";
      };
      services.secrets.paths = [ "/var/lib/vaultwarden" ];
    };
  };
}

{
  networking.hostName = "box";
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
    services.wiki = {
      paths = [ "/var/lib/wiki" ];
      schedule = "03:00";
    };
  };
}

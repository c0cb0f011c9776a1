{
  atelier.backup.services.host-keys = {
    paths = [ "/var/lib/keys" ];
    schedule = "06:00";
  };
}

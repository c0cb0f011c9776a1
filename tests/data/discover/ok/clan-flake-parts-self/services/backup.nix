{
  atelier.backup.services.ssh-keys = {
    paths = [ "/etc/ssh" ];
    schedule = "05:00";
  };
}

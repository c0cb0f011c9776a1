{
  fleet.x86_64-linux.alpha = {
    paths = [ "/srv/alpha" ];
    schedule = "03:00";
  };
  fleet.x86_64-linux.beta.paths = [ "/srv/beta" ];
}

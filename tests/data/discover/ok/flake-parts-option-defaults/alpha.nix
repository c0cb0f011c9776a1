{ inputs, ... }:
{
  machines.alpha = {
    nixpkgs = inputs.stable;
    paths = [ "/srv/alpha" ];
    exclude = [ "*.log" ];
    schedule = "04:00";
    retention.daily = 14;
  };
}

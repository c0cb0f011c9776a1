{
  machines.alpha.schedule = "03:00";
}

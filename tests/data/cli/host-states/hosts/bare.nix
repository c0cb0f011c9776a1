{ networking.hostName = "bare"; }

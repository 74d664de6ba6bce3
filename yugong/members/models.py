# Person, Membership and the member card arrive with the organisation issue (#3).

# What a look-up of a name, a reference or an AMKA says when it finds none, or several.
lookup-referral-not-case = { $referral } is a referral's reference; its case is { $case }
lookup-not-case = { $text } is neither a case's reference (such as ΓΡΕ-2024-0042) nor an id (case-<UUID>)
lookup-not-a-referral = not a referral
lookup-case-not-referral = { $case } is a case's reference; a referral's has its number after a slash ({ $case }/1)
lookup-not-referral = { $text } is neither a referral's reference (such as ΓΡΕ-2024-0042/1) nor an id (referral-<UUID>)
lookup-none = no { $what } is named { $text } (give the id, or another name)
lookup-several = { $text } names { $what }: { $value }{ $more }; give more of the name, or the id
lookup-more = and { $n } more
lookup-no-amka = nobody of your centre has that AMKA (give the id, or their name)
lookup-what-staff_member = staff member
lookup-what-agency = agency
lookup-what-centre = centre
lookup-what-person = person

# What an evaluator's check of bundles prints (verify --bundle).
trust-bundles-verify = the bundles verify: { $what }, positions { $start }..{ $end }, head hash { $hash }
trust-range = a range: it covers positions { $start }..{ $end } only, joined to the hash at position { $position }; positions 1..{ $position } are not in it
trust-signed = signed checkpoint of position { $position } by { $value }
trust-signed-compare = signed checkpoint of position { $position } by { $value } (compare this key with the one the centre gave you out of band, or give --key)
trust-no-checkpoint = no checkpoint: this bundle was written without one, so nothing signed says the centre stands by it
trust-no-anchor = checked against no outside anchor (give --witness, --pin or --held)
trust-anchor-agrees = checked against { $text }: agrees
trust-witness-signed = the witness file is signed by { $value }

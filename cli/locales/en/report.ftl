# The indicators report as an HTML page (`report indicators --format html`).
report-html-foot = Computed from the log up to position { $position }, head hash { $hash } (definitions version { $version }).
report-html-zeros-left-out = Rows with no count are left out (--zeros shows them).
report-html-not-recorded = not recorded
report-html-total = total
report-html-share = share
report-html-count = count
report-html-yes = yes
report-html-no = no
report-html-declined-to-answer = declined to answer
report-html-vulnerable-groups = Vulnerable groups: who answered yes, by gender
report-html-intakes-by-month = Intakes by month
report-html-by-outcome = Referrals by outcome (completed or failed by the period end)
report-html-days-to-answer = Days from sending to the answer (median { $median })
report-html-cohorts = Referrals sent in the period, by cohort
report-html-sent = sent
report-html-accepted = accepted
report-html-declined = declined
report-html-completed = completed
report-html-failed = failed
report-html-cancelled = cancelled
report-html-expired = expired
report-html-acceptance = acceptance
report-html-completion = completion
report-html-caseload-per-worker = Open cases per worker
report-html-operation = ESF+ operation { $programme } of { $centre } ({ $fund }, { $from } to { $to })

# The indicators report as a table (`report indicators`), beside messages.ftl's report-* keys.
report-by-outcome = by outcome: { $outcomes }
report-opened-by-gender = opened, by gender
report-closed-by-gender = closed, by gender

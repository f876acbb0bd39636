-- Web Push goes to each browser a person turned alerts on in. Which of them already had a message is
-- kept on its delivery row, so a retry after one phone's push service failed goes to that phone only:
-- the others are not alerted twice, and the failing one is not forgotten because another worked.
ALTER TABLE notification_deliveries ADD COLUMN push_sent_to uuid[] NOT NULL DEFAULT '{}';

-- The account page lists a person's browsers with alerts on: when each was last turned on, and from where.
ALTER TABLE push_subscriptions
  ADD COLUMN updated_at timestamptz,
  ADD COLUMN user_agent text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 300);
UPDATE push_subscriptions SET updated_at = created_at;
ALTER TABLE push_subscriptions ALTER COLUMN updated_at SET NOT NULL;

-- "Send a test alert" on the account page: a person checks that their phone really gets alerts.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
  CHECK (kind IN ('alarm', 'realert', 'reminder', 'office_prompt', 'wait_limit', 'safe', 'test'));

-- Every kind of notification, in one place: features that add a kind in their own migration drop and
-- re-add this check with theirs; this last migration sets the whole list (keep it equal to
-- NotificationKind in src/features/live/notify.ts).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
  CHECK (kind IN ('alarm', 'realert', 'reminder', 'office_prompt', 'wait_limit', 'safe', 'test',
                  'concern', 'incident', 'cancellation', 'agreement_follow_up', 'digest'));

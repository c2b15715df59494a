-- An assertion a statement can make: raises `message` with SQLSTATE AM001 unless `ok` is true.
-- The merge's last statement travels with its transaction's COMMIT, so a batch it cannot fully
-- record (a delivery whose organization no longer holds the webhook token) must fail the statement
-- itself, rolling the transaction back, instead of being found out once committed.
CREATE FUNCTION automitra_check(ok boolean, message text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF ok IS NOT TRUE THEN
    RAISE EXCEPTION USING ERRCODE = 'AM001', MESSAGE = message;
  END IF;
  RETURN true;
END
$$;
